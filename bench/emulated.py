"""The local emulation a benchmark runs against: moto in process, or a moto server thread.

Both install the KVS signaling emulation, create the registry table and lifecycle queues from the
project's own definitions (`localcloud.aws.bootstrap`) and set the functions' environment variables
for the duration.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bench import environ
from bench.meter import CallMeter

if TYPE_CHECKING:
    from functions.common.cells.config import Cell


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
    from localcloud.aws import sqs_speed
    from localcloud.aws.bootstrap import create_resources

    with environ.patched(environ.FAKE_AWS, remove=environ.REMOVED):
        kvs.install()
        sqs_speed.install()
        aws_clients.clear_cache()
        meter = CallMeter()
        try:
            with mock_aws():
                # mock_aws starts a fresh default boto3 session: the meter goes on that one.
                meter.install()
                env = create_resources()
                with environ.patched(env):
                    yield Cloud(env=env, meter=meter, endpoint_url=None)
        finally:
            aws_clients.clear_cache()
            kvs.reset_settings()


@contextmanager
def server(cells: Sequence[Cell] = ()) -> Iterator[Cloud]:
    """The local cloud's moto server (HTTPS, local CA) on a free loopback port, in a thread of this
    process, for fresh interpreters; with `cells`, their roles in their accounts and `CELLS` in
    the functions' environment, as the local cloud has them.

    GetSignalingChannelEndpoint answers the server's URL, so a function in another process reaches
    the data plane too; masters attached here answer the offers it forwards. Clients pay for TLS as
    they do on AWS, and trust the local CA through AWS_CA_BUNDLE.
    """
    from localcloud import kvs
    from localcloud.aws import sqs_speed
    from localcloud.aws.bootstrap import create_resources
    from localcloud.aws.moto_server import TlsMotoServer
    from localcloud.cells import cells_environment, create_cell_roles
    from localcloud.tls import LocalCA

    kvs.install()
    sqs_speed.install()
    # werkzeug logs every request to stderr; the table is what matters here.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    tls_dir = tempfile.TemporaryDirectory(prefix="bench-tls-")
    ca = LocalCA(Path(tls_dir.name))
    ca.ensure()
    moto = TlsMotoServer("127.0.0.1", ca.server_context())
    url = moto.start()
    kvs.set_endpoint_base(https=url)
    trust = {"AWS_CA_BUNDLE": str(ca.ca_file)}
    try:
        with environ.patched({**environ.FAKE_AWS, **trust, "AWS_ENDPOINT_URL": url}, remove=environ.REMOVED):
            # The functions' environment carries the trust too, into the fresh interpreters.
            env = {**create_resources(), **trust}
            if cells:
                create_cell_roles(cells, env["CHANNEL_NAME_PREFIX"])
                env.update(cells_environment(cells))
            with environ.patched(env):
                yield Cloud(env=env, meter=None, endpoint_url=url)
    finally:
        kvs.reset_settings()
        moto.stop()
        tls_dir.cleanup()
