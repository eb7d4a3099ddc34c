"""The local emulation a benchmark runs against: moto in process, or a moto server thread.

Both install the KVS signaling emulation, create the registry table and lifecycle queues from the
project's own definitions (`localcloud.bootstrap`) and set the functions' environment variables
for the duration.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bench import environ
from bench.meter import CallMeter


@dataclass
class Cloud:
    env: dict[str, str]  # the functions' environment variables
    meter: CallMeter | None  # in process only
    endpoint_url: str | None  # server only


@contextmanager
def in_process() -> Iterator[Cloud]:
    """mock_aws + the KVS emulation; a CallMeter sees every call of clients created inside."""
    from moto import mock_aws

    from functions.common import aws_clients
    from localcloud import kvs
    from localcloud.bootstrap import create_resources

    with environ.patched(environ.FAKE_AWS, remove=environ.REMOVED):
        kvs.install()
        aws_clients.client.cache_clear()
        meter = CallMeter()
        try:
            with mock_aws():
                # mock_aws starts a fresh default boto3 session: the meter goes on that one.
                meter.install()
                env = create_resources()
                with environ.patched(env):
                    yield Cloud(env=env, meter=meter, endpoint_url=None)
        finally:
            aws_clients.client.cache_clear()
            kvs.reset_settings()


@contextmanager
def server() -> Iterator[Cloud]:
    """A moto server on a free loopback port, in a thread of this process, for fresh interpreters.

    GetSignalingChannelEndpoint answers the server's URL, so a function in another process reaches
    the data plane too; masters attached here answer the offers it forwards.
    """
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    from localcloud import kvs
    from localcloud.bootstrap import create_resources

    kvs.install()
    # werkzeug logs every request to stderr; the table is what matters here.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    url = f"http://{host}:{port}"
    kvs.set_endpoint_base(https=url)
    try:
        with environ.patched({**environ.FAKE_AWS, "AWS_ENDPOINT_URL": url}, remove=environ.REMOVED):
            env = create_resources()
            with environ.patched(env):
                yield Cloud(env=env, meter=None, endpoint_url=url)
    finally:
        kvs.reset_settings()
        moto.stop()
