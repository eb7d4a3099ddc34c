"""Quotas, the channel limit, injected faults and call accounting."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws

from localcloud import kvs
from localcloud.kvs import faults
from localcloud.kvs.exceptions import ClientLimitExceededException
from tests.kvs.helpers import encode, expect_error

NO_RETRY = Config(retries={"total_max_attempts": 1})
OFFER = encode({"type": "offer", "sdp": "v=0"})


def outcomes(call: Any, count: int, **kwargs: Any) -> list[str]:
    results = []
    for _ in range(count):
        try:
            call(**kwargs)
            results.append("ok")
        except ClientError as error:
            results.append(error.response["Error"]["Code"])
    return results


def test_quotas_are_off_by_default(kv: Any, channel_arn: str) -> None:
    assert set(outcomes(kv.list_tags_for_resource, 20, ResourceARN=channel_arn)) == {"ok"}


def test_burst_over_5_tps_per_channel_is_throttled(kv: Any, channel_arn: str) -> None:
    client = boto3.client("kinesisvideo", region_name="us-east-1", config=NO_RETRY)
    other = client.create_signaling_channel(ChannelName="cam-2")["ChannelARN"]
    kvs.enable_quotas()
    burst = outcomes(client.list_tags_for_resource, 8, ResourceARN=channel_arn)
    assert burst[:5] == ["ok"] * 5
    assert burst[5:] == ["ClientLimitExceededException"] * 3
    # The limit is per channel: another channel is not affected.
    assert outcomes(client.list_tags_for_resource, 5, ResourceARN=other) == ["ok"] * 5
    expect_error("ClientLimitExceededException", 400, client.list_tags_for_resource, ResourceARN=channel_arn)
    time.sleep(1.05)
    assert outcomes(client.list_tags_for_resource, 1, ResourceARN=channel_arn) == ["ok"]
    kvs.disable_quotas()
    assert set(outcomes(client.list_tags_for_resource, 10, ResourceARN=channel_arn)) == {"ok"}


def test_offer_quota_per_channel(kv: Any, channel_arn: str) -> None:
    endpoint = kv.get_signaling_channel_endpoint(ChannelARN=channel_arn)["ResourceEndpointList"][1][
        "ResourceEndpoint"
    ]
    sig = boto3.client(
        "kinesis-video-signaling", region_name="us-east-1", endpoint_url=endpoint, config=NO_RETRY
    )
    kvs.attach_master(channel_arn, lambda offer, sender: {"type": "answer", "sdp": "a"})
    kvs.enable_quotas()
    burst = outcomes(
        sig.send_alexa_offer_to_master, 7, ChannelARN=channel_arn, SenderClientId="s", MessagePayload=OFFER
    )
    assert burst == ["ok"] * 5 + ["ClientLimitExceededException"] * 2


def test_account_quota_on_create() -> None:
    # The account-wide window, on a state of its own: the suite's other tests share moto's global
    # backends, and a reset elsewhere in the process must not make this count pass or fail.
    quotas = faults.FaultState()
    quotas.quotas_enabled = True
    results = []
    for _ in range(55):
        try:
            quotas.admit("111111111111", "us-east-1", "CreateSignalingChannel", None)
            results.append("ok")
        except ClientLimitExceededException:
            results.append("ClientLimitExceededException")
    assert results == ["ok"] * 50 + ["ClientLimitExceededException"] * 5


def _try(call: Any, **kwargs: Any) -> str | None:
    try:
        call(**kwargs)
    except ClientError as error:
        return str(error.response["Error"]["Code"])
    return None


def test_channel_limit(kv: Any) -> None:
    kvs.set_channel_limit(3)
    for i in range(3):
        kv.create_signaling_channel(ChannelName=f"c{i}")
    expect_error("AccountChannelLimitExceededException", 400, kv.create_signaling_channel, ChannelName="c3")
    kv.delete_signaling_channel(
        ChannelARN=kv.describe_signaling_channel(ChannelName="c0")["ChannelInfo"]["ChannelARN"]
    )
    kv.create_signaling_channel(ChannelName="c3")
    kvs.set_channel_limit(None)
    kv.create_signaling_channel(ChannelName="c4")


def test_injected_error_once(sig: Any, channel_arn: str) -> None:
    kvs.attach_master(channel_arn, lambda offer, sender: {"type": "answer", "sdp": "a"})
    kvs.inject("SendAlexaOfferToMaster", error="ClientLimitExceededException", times=1)
    client_kwargs = {"ChannelARN": channel_arn, "SenderClientId": "s", "MessagePayload": OFFER}
    sig_no_retry = boto3.client(
        "kinesis-video-signaling",
        region_name="us-east-1",
        endpoint_url=sig.meta.endpoint_url,
        config=NO_RETRY,
    )
    expect_error(
        "ClientLimitExceededException", 400, sig_no_retry.send_alexa_offer_to_master, **client_kwargs
    )
    assert sig_no_retry.send_alexa_offer_to_master(**client_kwargs)["Answer"]


def test_injected_error_status_and_every_call(kv: Any, channel_arn: str) -> None:
    kvs.inject("DescribeSignalingChannel", error="AccessDeniedException")
    for _ in range(3):
        expect_error("AccessDeniedException", 401, kv.describe_signaling_channel, ChannelARN=channel_arn)
    kvs.reset_faults()
    assert kv.describe_signaling_channel(ChannelARN=channel_arn)["ChannelInfo"]


def test_injected_latency(kv: Any, channel_arn: str) -> None:
    kvs.inject("ListSignalingChannels", latency_s=0.3, times=1)
    started = time.monotonic()
    kv.list_signaling_channels()
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    kv.list_signaling_channels()
    assert time.monotonic() - started < 0.3


def test_inject_rejects_unknown_operations() -> None:
    with pytest.raises(ValueError, match="unknown operation"):
        kvs.inject("PutMedia", error="ClientLimitExceededException")


def test_faults_are_cleared_by_a_fresh_mock() -> None:
    kvs.install()
    with mock_aws():
        kvs.enable_quotas()
        kvs.set_channel_limit(0)
        kvs.inject("ListSignalingChannels", error="AccessDeniedException")
    with mock_aws():
        client = boto3.client("kinesisvideo", region_name="us-east-1")
        client.create_signaling_channel(ChannelName="fine")
        assert len(client.list_signaling_channels()["ChannelInfoList"]) == 1


def test_call_accounting(kv: Any, sig: Any, channel_arn: str) -> None:
    kvs.clear_calls()
    kv.describe_signaling_channel(ChannelName="cam-1")
    _try(kv.describe_signaling_channel, ChannelName="nope")
    sig.get_ice_server_config(ChannelARN=channel_arn)
    records = kvs.calls()
    assert [(r.operation, r.channel_arn, r.outcome) for r in records] == [
        ("DescribeSignalingChannel", channel_arn, "ok"),
        ("DescribeSignalingChannel", None, "ResourceNotFoundException"),
        ("GetIceServerConfig", channel_arn, "ok"),
    ]
    assert all(r.account_id == "123456789012" and r.region == "us-east-1" for r in records)
    assert records[0].timestamp <= records[-1].timestamp <= time.time()
    kvs.clear_calls()
    assert kvs.calls() == []
