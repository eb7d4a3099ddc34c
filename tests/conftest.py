"""Fixtures shared by every test: fake credentials, emulated AWS (moto + the KVS emulation)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from localcloud.alexa.cloud import AlexaCloud

# Set before any boto3 client exists; nothing here may reach real AWS.
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",  # moto's fake credentials
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SECURITY_TOKEN="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1",
    POWERTOOLS_METRICS_NAMESPACE="AlexaCameraSignalingTest",
    POWERTOOLS_TRACE_DISABLED="1",
    # Nothing may reach Login with Amazon or the Alexa gateway: the discard port refuses.
    LWA_TOKEN_URL="http://127.0.0.1:9/auth/o2/token",
    ALEXA_EVENT_GATEWAY_URL="http://127.0.0.1:9/v3/events",
)
os.environ.pop("AWS_PROFILE", None)
os.environ.pop("AWS_ENDPOINT_URL", None)


@pytest.fixture
def aws() -> Iterator[None]:
    """moto with the KVS signaling emulation; clients cached by the functions start fresh."""
    from moto import mock_aws

    from functions.common import aws_clients
    from localcloud import kvs

    kvs.install()
    aws_clients.clear_cache()
    with mock_aws():
        yield
    aws_clients.clear_cache()


@pytest.fixture
def cloud_env(aws: None, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The registry table and lifecycle queues created, and their variables in os.environ."""
    from localcloud.aws.bootstrap import create_resources

    env = create_resources()
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def alexa_cloud(cloud_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[AlexaCloud]:
    """The emulated LWA token endpoint and event gateway on loopback, with the variables set."""
    from localcloud.alexa.cloud import AlexaCloud
    from localcloud.aws.bootstrap import client_credentials
    from localcloud.loopback import LoopbackServer

    alexa = AlexaCloud(client_credentials(cloud_env["ALEXA_CLIENT_SECRET_ID"]))
    with LoopbackServer(alexa.routes()) as server:
        monkeypatch.setenv("LWA_TOKEN_URL", f"{server.url}/auth/o2/token")
        monkeypatch.setenv("ALEXA_EVENT_GATEWAY_URL", f"{server.url}/v3/events")
        yield alexa


def logged_text(caplog: pytest.LogCaptureFixture) -> str:
    """Every captured record of the project's loggers (not botocore's wire-level DEBUG output),
    with all its fields: Powertools puts the extras on the record."""
    ours = [r for r in caplog.records if not r.name.startswith(("botocore", "boto3", "urllib3"))]
    return "\n".join(f"{r.getMessage()} {r.__dict__}" for r in ours)
