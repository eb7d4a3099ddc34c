"""Fixtures for the KVS signaling emulation: fake credentials and a fresh mock per test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from localcloud import kvs


@pytest.fixture(autouse=True)
def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """No KVS test can reach a real account, whatever the environment holds."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)


@pytest.fixture
def aws() -> Iterator[None]:
    kvs.install()
    kvs.reset_settings()
    kvs.clear_calls()
    with mock_aws():
        yield
    kvs.reset_settings()


@pytest.fixture
def kv(aws: None) -> Any:
    return boto3.client("kinesisvideo", region_name="us-east-1")


@pytest.fixture
def channel_arn(kv: Any) -> str:
    arn: str = kv.create_signaling_channel(ChannelName="cam-1")["ChannelARN"]
    return arn


def signaling_client(kv: Any, channel_arn: str, role: str = "VIEWER") -> Any:
    endpoints = kv.get_signaling_channel_endpoint(
        ChannelARN=channel_arn,
        SingleMasterChannelEndpointConfiguration={"Protocols": ["HTTPS"], "Role": role},
    )["ResourceEndpointList"]
    return boto3.client(
        "kinesis-video-signaling", region_name="us-east-1", endpoint_url=endpoints[0]["ResourceEndpoint"]
    )


@pytest.fixture
def sig(kv: Any, channel_arn: str) -> Any:
    return signaling_client(kv, channel_arn)
