"""SendAlexaOfferToMaster and GetIceServerConfig, and the in-process masters."""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import boto3
import pytest

from localcloud import kvs
from localcloud.kvs.masters import AnswerFunction
from tests.kvs.conftest import signaling_client
from tests.kvs.helpers import decode, encode, expect_error

OFFER = {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}


def echo_master(seen: list[tuple[dict[str, Any], str]], tag: str = "") -> AnswerFunction:
    def answer(offer: dict[str, Any], sender_client_id: str) -> dict[str, Any]:
        seen.append((offer, sender_client_id))
        return {"type": "answer", "sdp": f"answer{tag}:{offer['sdp']}"}

    return answer


def test_ice_server_config(sig: Any, channel_arn: str) -> None:
    servers = sig.get_ice_server_config(ChannelARN=channel_arn, ClientId="viewer-1", Service="TURN")[
        "IceServerList"
    ]
    assert servers
    for server in servers:
        assert server["Ttl"] == 300
        assert server["Username"] and server["Password"]
        for uri in server["Uris"]:
            assert re.fullmatch(
                r"turns?:t-[a-z0-9]{8}\.kinesisvideo\.us-east-1\.amazonaws\.com:443\?transport=(udp|tcp)", uri
            )
        assert {uri.split(":", 1)[0] for uri in server["Uris"]} == {"turn", "turns"}


def test_offer_reaches_master_and_answer_comes_back(sig: Any, channel_arn: str) -> None:
    seen: list[tuple[dict[str, Any], str]] = []
    handle = kvs.attach_master(channel_arn, echo_master(seen))
    answer = sig.send_alexa_offer_to_master(
        ChannelARN=channel_arn, SenderClientId="session.1-a_b", MessagePayload=encode(OFFER)
    )
    assert seen == [(OFFER, "session.1-a_b")]
    assert decode(answer["Answer"]) == {"type": "answer", "sdp": f"answer:{OFFER['sdp']}"}
    assert handle.detach() is True
    assert handle.detach() is False


def test_newest_master_wins(sig: Any, channel_arn: str) -> None:
    old: list[tuple[dict[str, Any], str]] = []
    new: list[tuple[dict[str, Any], str]] = []
    first = kvs.attach_master(channel_arn, echo_master(old, "1"))
    kvs.attach_master(channel_arn, echo_master(new, "2"))
    answer = sig.send_alexa_offer_to_master(
        ChannelARN=channel_arn, SenderClientId="s", MessagePayload=encode(OFFER)
    )
    assert decode(answer["Answer"])["sdp"].startswith("answer2:")
    assert old == [] and len(new) == 1
    # The replaced master's handle no longer disconnects the newer one.
    assert first.detach() is False
    assert kvs.detach_master(channel_arn) is True
    assert kvs.detach_master(channel_arn) is False


def test_offer_without_master_fails_after_the_bounded_wait(sig: Any, channel_arn: str) -> None:
    kvs.set_offer_wait_cap(0.3)
    started = time.monotonic()
    error = expect_error(
        "ResourceNotFoundException",
        404,
        sig.send_alexa_offer_to_master,
        ChannelARN=channel_arn,
        SenderClientId="s",
        MessagePayload=encode(OFFER),
    )
    elapsed = time.monotonic() - started
    assert "No master" in error.response["Error"]["Message"]
    # botocore does not retry a 404, so one wait.
    assert 0.3 <= elapsed < 1.5


def test_wait_is_bounded_by_the_message_ttl(kv: Any) -> None:
    kvs.set_offer_wait_cap(30)
    arn = kv.create_signaling_channel(
        ChannelName="short", SingleMasterConfiguration={"MessageTtlSeconds": 5}
    )["ChannelARN"]
    kvs.set_offer_wait_cap(0.2)
    started = time.monotonic()
    expect_error(
        "ResourceNotFoundException",
        404,
        signaling_client(kv, arn).send_alexa_offer_to_master,
        ChannelARN=arn,
        SenderClientId="s",
        MessagePayload=encode(OFFER),
    )
    assert time.monotonic() - started < 1.5


def test_master_attaching_during_the_wait_gets_the_offer(sig: Any, channel_arn: str) -> None:
    kvs.set_offer_wait_cap(5)
    seen: list[tuple[dict[str, Any], str]] = []
    timer = threading.Timer(0.2, lambda: kvs.attach_master(channel_arn, echo_master(seen)))
    timer.start()
    answer = sig.send_alexa_offer_to_master(
        ChannelARN=channel_arn, SenderClientId="late", MessagePayload=encode(OFFER)
    )
    timer.join()
    assert seen == [(OFFER, "late")]
    assert decode(answer["Answer"])["type"] == "answer"


def test_master_that_fails_fails_the_offer(sig: Any, channel_arn: str) -> None:
    def broken(offer: dict[str, Any], sender_client_id: str) -> dict[str, Any]:
        raise TimeoutError("camera is busy")

    kvs.attach_master(channel_arn, broken)
    expect_error(
        "ResourceNotFoundException",
        404,
        sig.send_alexa_offer_to_master,
        ChannelARN=channel_arn,
        SenderClientId="s",
        MessagePayload=encode(OFFER),
    )


def test_async_master_answers_from_its_loop(sig: Any, channel_arn: str) -> None:
    import asyncio

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def answer(offer: dict[str, Any], sender_client_id: str) -> dict[str, Any]:
        await asyncio.sleep(0.01)
        return {"type": "answer", "sdp": "from-loop"}

    try:
        with kvs.register_master(channel_arn, kvs.AsyncMaster(loop, answer)):
            result = sig.send_alexa_offer_to_master(
                ChannelARN=channel_arn, SenderClientId="s", MessagePayload=encode(OFFER)
            )
        assert decode(result["Answer"]) == {"type": "answer", "sdp": "from-loop"}
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


def test_attach_to_missing_channel_raises(aws: None) -> None:
    with pytest.raises(kvs.KvsError) as info:
        kvs.attach_master("arn:aws:kinesisvideo:us-east-1:123456789012:channel/none/1", echo_master([]))
    assert info.value.code == "ResourceNotFoundException"


def test_deleting_the_channel_disconnects_the_master(kv: Any, sig: Any, channel_arn: str) -> None:
    kvs.set_offer_wait_cap(0.1)
    kvs.attach_master(channel_arn, echo_master([]))
    kv.delete_signaling_channel(ChannelARN=channel_arn)
    expect_error(
        "ResourceNotFoundException",
        404,
        sig.send_alexa_offer_to_master,
        ChannelARN=channel_arn,
        SenderClientId="s",
        MessagePayload=encode(OFFER),
    )
    assert kvs.detach_master(channel_arn) is False


def test_data_plane_on_the_default_host_is_unknown(kv: Any, channel_arn: str) -> None:
    default = boto3.client("kinesis-video-signaling", region_name="us-east-1")
    expect_error("UnknownOperationException", 404, default.get_ice_server_config, ChannelARN=channel_arn)
    expect_error(
        "UnknownOperationException",
        404,
        default.send_alexa_offer_to_master,
        ChannelARN=channel_arn,
        SenderClientId="s",
        MessagePayload=encode(OFFER),
    )


def test_data_plane_on_a_missing_channel(sig: Any, channel_arn: str) -> None:
    missing = channel_arn.replace("cam-1", "cam-404")
    expect_error("ResourceNotFoundException", 404, sig.get_ice_server_config, ChannelARN=missing)
    expect_error(
        "ResourceNotFoundException",
        404,
        sig.send_alexa_offer_to_master,
        ChannelARN=missing,
        SenderClientId="s",
        MessagePayload=encode(OFFER),
    )
