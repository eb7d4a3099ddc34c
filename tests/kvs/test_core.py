"""The moto-shaped core, tested as moto tests its services: a boto3 client under mock_aws, with
moto's own knobs (state manager, mock_random seed) instead of the emulation's."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.moto_api import state_manager
from moto.moto_api._internal import mock_random

from localcloud import kvs
from localcloud.kvs.models import CREATION_MODEL, aws_channel_limit

REGION = "us-east-1"


@pytest.fixture(autouse=True)
def installed() -> Iterator[None]:
    kvs.install()
    kvs.reset_settings()
    yield
    kvs.reset_settings()


def test_default_channel_limits_by_region() -> None:
    assert aws_channel_limit("us-east-1") == 10_000
    assert aws_channel_limit("us-west-2") == 10_000
    assert aws_channel_limit("eu-west-1") == 5_000


@mock_aws
def test_create_signaling_channel() -> None:
    client = boto3.client("kinesisvideo", region_name=REGION)
    arn = client.create_signaling_channel(ChannelName="cam")["ChannelARN"]
    info = client.describe_signaling_channel(ChannelARN=arn)["ChannelInfo"]
    assert info["ChannelName"] == "cam"
    assert info["ChannelStatus"] == "ACTIVE"


@mock_aws
def test_creation_follows_the_state_manager() -> None:
    client = boto3.client("kinesisvideo", region_name=REGION)
    # A second in CREATING: long enough that a loaded machine still sees it, then polled, not slept.
    state_manager.set_transition(CREATION_MODEL, {"progression": "time", "seconds": 1.0})
    try:
        arn = client.create_signaling_channel(ChannelName="cam")["ChannelARN"]

        def status() -> str:
            return str(client.describe_signaling_channel(ChannelARN=arn)["ChannelInfo"]["ChannelStatus"])

        assert status() == "CREATING"
        give_up = time.monotonic() + 10
        while status() == "CREATING" and time.monotonic() < give_up:
            time.sleep(0.1)
        assert status() == "ACTIVE"
    finally:
        state_manager.unset_transition(CREATION_MODEL)


@mock_aws
def test_generated_ids_follow_the_mock_random_seed() -> None:
    def version_and_endpoint() -> tuple[str, str]:
        client = boto3.client("kinesisvideo", region_name=REGION)
        mock_random.seed(7)
        arn = client.create_signaling_channel(ChannelName="seeded")["ChannelARN"]
        version = client.describe_signaling_channel(ChannelARN=arn)["ChannelInfo"]["Version"]
        endpoint = client.get_signaling_channel_endpoint(ChannelARN=arn)["ResourceEndpointList"][0]
        client.delete_signaling_channel(ChannelARN=arn)
        return version, endpoint["ResourceEndpoint"]

    assert version_and_endpoint() == version_and_endpoint()


@mock_aws
def test_list_tags_pages_through_the_paginator() -> None:
    client = boto3.client("kinesisvideo", region_name=REGION)
    kvs.set_tags_page_size(2)
    arn = client.create_signaling_channel(
        ChannelName="cam", Tags=[{"Key": f"k{i}", "Value": str(i)} for i in range(5)]
    )["ChannelARN"]
    first = client.list_tags_for_resource(ResourceARN=arn)
    assert first["Tags"] == {"k0": "0", "k1": "1"}
    with pytest.raises(ClientError) as info:
        # A token is bound to its request: another channel's listing rejects it.
        other = client.create_signaling_channel(ChannelName="other")["ChannelARN"]
        client.list_tags_for_resource(ResourceARN=other, NextToken=first["NextToken"])
    assert info.value.response["Error"]["Code"] == "InvalidArgumentException"


@mock_aws
def test_deleted_channel_takes_its_tags_along() -> None:
    client = boto3.client("kinesisvideo", region_name=REGION)
    arn = client.create_signaling_channel(ChannelName="cam", Tags=[{"Key": "a", "Value": "1"}])["ChannelARN"]
    client.delete_signaling_channel(ChannelARN=arn)
    again = client.create_signaling_channel(ChannelName="cam")["ChannelARN"]
    assert client.list_tags_for_resource(ResourceARN=again)["Tags"] == {}


class RecordingPayloadMaster:
    """Answers with a fixed payload and records what it was given."""

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.received: list[tuple[str, str]] = []

    def deliver_payload(self, payload: str, sender_client_id: str, timeout_s: float) -> str:
        self.received.append((payload, sender_client_id))
        return self.answer


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


# JSON that any re-serialization would change: spacing, key order, escapes, non-ASCII.
OFFER_BYTES = b'{ "sdp" : "v=0\\r\\no=- 1 2 IN IP4 127.0.0.1\\r\\n\\u00e9" ,"type":"offer" }'
ANSWER_BYTES = b'{"type":"answer",   "sdp":"v=0\\r\\n\\/\xc3\\xa9"}'


@mock_aws
def test_payloads_pass_through_verbatim() -> None:
    client = boto3.client("kinesisvideo", region_name=REGION)
    arn = client.create_signaling_channel(ChannelName="cam")["ChannelARN"]
    endpoint = client.get_signaling_channel_endpoint(
        ChannelARN=arn, SingleMasterChannelEndpointConfiguration={"Protocols": ["HTTPS"], "Role": "VIEWER"}
    )["ResourceEndpointList"][0]["ResourceEndpoint"]
    signaling = boto3.client("kinesis-video-signaling", region_name=REGION, endpoint_url=endpoint)
    master = RecordingPayloadMaster(_b64(ANSWER_BYTES))
    with kvs.register_master(arn, master):
        answer = signaling.send_alexa_offer_to_master(
            ChannelARN=arn, SenderClientId="viewer-1", MessagePayload=_b64(OFFER_BYTES)
        )["Answer"]
    assert master.received == [(_b64(OFFER_BYTES), "viewer-1")]
    assert base64.b64decode(answer) == ANSWER_BYTES


@mock_aws
def test_async_payload_master_passes_payloads_verbatim() -> None:
    import asyncio

    client = boto3.client("kinesisvideo", region_name=REGION)
    arn = client.create_signaling_channel(ChannelName="cam")["ChannelARN"]
    endpoint = client.get_signaling_channel_endpoint(
        ChannelARN=arn, SingleMasterChannelEndpointConfiguration={"Protocols": ["HTTPS"], "Role": "VIEWER"}
    )["ResourceEndpointList"][0]["ResourceEndpoint"]
    signaling = boto3.client("kinesis-video-signaling", region_name=REGION, endpoint_url=endpoint)
    received: list[str] = []

    async def answer(payload: str, sender_client_id: str) -> str:
        received.append(payload)
        return _b64(ANSWER_BYTES)

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        with kvs.register_master(arn, kvs.AsyncPayloadMaster(loop, answer)):
            result = signaling.send_alexa_offer_to_master(
                ChannelARN=arn, SenderClientId="s", MessagePayload=_b64(OFFER_BYTES)
            )
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()
    assert received == [_b64(OFFER_BYTES)]
    assert base64.b64decode(result["Answer"]) == ANSWER_BYTES
