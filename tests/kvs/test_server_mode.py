"""The emulation behind a moto server (the local cloud's, in this process), reached over HTTPS."""

from __future__ import annotations

import http.client
import os
import ssl
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from localcloud import kvs
from localcloud.moto_server import TlsMotoServer
from localcloud.tls import LocalCA
from tests.kvs.helpers import decode, encode, expect_error

FAST = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=10)


@pytest.fixture
def server_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    kvs.install()  # before the server's first request: it builds its routes then
    kvs.reset_settings()
    ca = LocalCA(tmp_path / "tls")
    ca.ensure()
    # boto3 and requests trust the local CA the way the local cloud's clients do.
    monkeypatch.setenv("AWS_CA_BUNDLE", str(ca.ca_file))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca.ca_file))
    server = TlsMotoServer("127.0.0.1", ca.server_context())
    url = server.start()
    requests.post(f"{url}/moto-api/reset", timeout=5)
    try:
        yield url
    finally:
        kvs.reset_settings()
        server.stop()


def test_whole_channel_lifecycle_over_http(server_url: str) -> None:
    kvs.set_endpoint_base(https=server_url, wss="wss://127.0.0.1:9")
    kv = boto3.client("kinesisvideo", region_name="us-east-1", endpoint_url=server_url, config=FAST)
    arn = kv.create_signaling_channel(
        ChannelName="alexa-cam-1",
        SingleMasterConfiguration={"MessageTtlSeconds": 30},
        Tags=[{"Key": "camera:device", "Value": "1"}],
    )["ChannelARN"]
    info = kv.describe_signaling_channel(ChannelARN=arn)["ChannelInfo"]
    assert info["ChannelStatus"] == "ACTIVE"
    listed = kv.list_signaling_channels(
        ChannelNameCondition={"ComparisonOperator": "BEGINS_WITH", "ComparisonValue": "alexa-cam-"}
    )["ChannelInfoList"]
    assert [c["ChannelARN"] for c in listed] == [arn]
    kv.update_signaling_channel(
        ChannelARN=arn, CurrentVersion=info["Version"], SingleMasterConfiguration={"MessageTtlSeconds": 60}
    )
    expect_error(
        "VersionMismatchException",
        400,
        kv.update_signaling_channel,
        ChannelARN=arn,
        CurrentVersion=info["Version"],
    )
    kv.tag_resource(ResourceARN=arn, Tags=[{"Key": "camera:generation", "Value": "g2"}])
    kv.untag_resource(ResourceARN=arn, TagKeyList=["camera:device"])
    assert kv.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"camera:generation": "g2"}

    endpoints = {
        e["Protocol"]: e["ResourceEndpoint"]
        for e in kv.get_signaling_channel_endpoint(
            ChannelARN=arn,
            SingleMasterChannelEndpointConfiguration={"Protocols": ["WSS", "HTTPS"], "Role": "VIEWER"},
        )["ResourceEndpointList"]
    }
    assert endpoints["HTTPS"] == server_url
    assert endpoints["WSS"].startswith("wss://127.0.0.1:9/v-")
    sig = boto3.client(
        "kinesis-video-signaling", region_name="us-east-1", endpoint_url=endpoints["HTTPS"], config=FAST
    )
    servers = sig.get_ice_server_config(ChannelARN=arn)["IceServerList"]
    assert servers[0]["Ttl"] == 300

    seen: list[dict[str, Any]] = []

    def answer(offer: dict[str, Any], sender_client_id: str) -> dict[str, Any]:
        seen.append(offer)
        return {"type": "answer", "sdp": "answer-sdp"}

    with kvs.attach_master(arn, answer):
        result = sig.send_alexa_offer_to_master(
            ChannelARN=arn,
            SenderClientId="alexa-session",
            MessagePayload=encode({"type": "offer", "sdp": "o"}),
        )
    assert seen == [{"type": "offer", "sdp": "o"}]
    assert decode(result["Answer"]) == {"type": "answer", "sdp": "answer-sdp"}

    kv.delete_signaling_channel(ChannelARN=arn)
    expect_error("ResourceNotFoundException", 404, kv.describe_signaling_channel, ChannelARN=arn)
    operations = {r.operation for r in kvs.calls() if r.channel_arn == arn}
    assert {
        "SendAlexaOfferToMaster",
        "GetIceServerConfig",
        "TagResource",
        "DeleteSignalingChannel",
    } <= operations


def test_offer_without_master_over_http(server_url: str) -> None:
    kvs.set_offer_wait_cap(0.2)
    kv = boto3.client("kinesisvideo", region_name="us-east-1", endpoint_url=server_url, config=FAST)
    arn = kv.create_signaling_channel(ChannelName="lonely")["ChannelARN"]
    sig = boto3.client(
        "kinesis-video-signaling", region_name="us-east-1", endpoint_url=server_url, config=FAST
    )
    expect_error(
        "ResourceNotFoundException",
        404,
        sig.send_alexa_offer_to_master,
        ChannelARN=arn,
        SenderClientId="s",
        MessagePayload=encode({"type": "offer", "sdp": "o"}),
    )


def test_moto_api_reset_clears_state(server_url: str) -> None:
    kv = boto3.client("kinesisvideo", region_name="us-east-1", endpoint_url=server_url, config=FAST)
    kv.create_signaling_channel(ChannelName="before-reset")
    kvs.set_channel_limit(1)
    with pytest.raises(ClientError):
        kv.create_signaling_channel(ChannelName="over-limit")
    assert requests.post(f"{server_url}/moto-api/reset", timeout=5).status_code == 200
    assert kv.list_signaling_channels()["ChannelInfoList"] == []
    kv.create_signaling_channel(ChannelName="after-reset")
    kv.create_signaling_channel(ChannelName="limit-was-reset-too")


def test_consecutive_requests_share_one_tls_connection(server_url: str) -> None:
    # AWS keeps connections alive: a client's next call must not pay a new TLS handshake.
    context = ssl.create_default_context(cafile=os.environ["AWS_CA_BUNDLE"])
    host, port = server_url.removeprefix("https://").split(":")
    connection = http.client.HTTPSConnection(host, int(port), context=context, timeout=10)
    try:
        # A body the server must read whole, then a request right behind it on the same socket.
        connection.request(
            "POST", "/moto-api/reset", body=b"{}", headers={"Content-Type": "application/json"}
        )
        first = connection.getresponse()
        first.read()
        sock = connection.sock
        connection.request("POST", "/moto-api/reset")
        second = connection.getresponse()
        second.read()
        assert first.status == second.status == 200
        assert first.getheader("Connection") != "close"
        assert connection.sock is sock and sock is not None
    finally:
        connection.close()


def test_kept_alive_responses_are_not_held_back_by_nagle(server_url: str) -> None:
    # A response goes out as headers then body: without TCP_NODELAY, Nagle holds the body until
    # the client's delayed ACK of the headers (~40 ms on Linux) on every call after the first.
    context = ssl.create_default_context(cafile=os.environ["AWS_CA_BUNDLE"])
    host, port = server_url.removeprefix("https://").split(":")
    connection = http.client.HTTPSConnection(host, int(port), context=context, timeout=10)
    elapsed: list[float] = []
    try:
        for _ in range(12):
            started = time.perf_counter()
            connection.request("POST", "/moto-api/reset")
            response = connection.getresponse()
            response.read()
            elapsed.append(time.perf_counter() - started)
    finally:
        connection.close()
    # The median of the calls on the kept-alive connection: well under one delayed-ACK timeout.
    assert statistics.median(elapsed[2:]) < 0.02, elapsed
