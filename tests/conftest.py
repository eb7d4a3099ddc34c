"""Fixtures shared by every test: fake credentials, emulated AWS (moto + the KVS emulation)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# Set before any boto3 client exists; nothing here may reach real AWS.
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",  # moto's fake credentials
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SECURITY_TOKEN="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1",
    POWERTOOLS_METRICS_NAMESPACE="AlexaCameraSignalingTest",
    POWERTOOLS_TRACE_DISABLED="1",
    JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION="1",
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
    aws_clients.client.cache_clear()
    with mock_aws():
        yield
    aws_clients.client.cache_clear()


@pytest.fixture
def cloud_env(aws: None, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The registry table and lifecycle queues created, and their variables in os.environ."""
    from localcloud.bootstrap import create_resources

    env = create_resources()
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env
