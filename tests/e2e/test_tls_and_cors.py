"""TLS everywhere, CORS like KVS, and the device config API's SigV4 check, on a running local cloud."""

from __future__ import annotations

import asyncio
import ssl
import uuid
from typing import Any

import aiohttp
import boto3
import pytest
import requests
from botocore.config import Config
from cryptography import x509

from localcloud.aws.client import CloudClient, CloudError, cloud_session
from localcloud.aws.device_auth import sign
from localcloud.aws.moto_server import ALLOWED_HEADERS
from localcloud.cloud import CloudState

pytestmark = pytest.mark.e2e

FAST = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=10)
# What Chromium sends before an AWS SDK v3 call from a page on another origin.
SDK_V3_HEADERS = (
    "amz-sdk-invocation-id,amz-sdk-request,authorization,content-type,x-amz-date,x-amz-user-agent"
)


def kinesisvideo(cloud: CloudState, origin: str | None = None) -> Any:
    client = boto3.client(
        "kinesisvideo",
        region_name=cloud.region,
        endpoint_url=cloud.moto_url,
        verify=str(cloud.ca_file),
        config=FAST,
    )
    if origin is not None:
        client.meta.events.register(
            "before-sign.kinesis-video.*", lambda request, **_: request.headers.add_header("Origin", origin)
        )
    return client


def test_every_endpoint_is_tls_and_trusted_only_through_the_local_ca(cloud: CloudState) -> None:
    assert cloud.url.startswith("https://") and cloud.moto_url.startswith("https://")
    # The system's trust store does not know the local CA: a client must trust it explicitly.
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{cloud.url}/info", timeout=5)
    assert requests.get(f"{cloud.url}/info", timeout=5, verify=cloud.ca_file).status_code == 200

    ca = x509.load_pem_x509_certificate(cloud.ca_file.read_bytes())
    constraints = ca.extensions.get_extension_for_class(x509.NameConstraints)
    assert constraints.critical
    assert {str(name.value) for name in constraints.value.permitted_subtrees or []} == {
        "localhost",
        "127.0.0.0/8",
        "::1/128",
    }

    kv = kinesisvideo(cloud)
    arn = kv.create_signaling_channel(ChannelName=f"tls-{uuid.uuid4().hex[:8]}")["ChannelARN"]
    for role in ("MASTER", "VIEWER"):
        endpoints = kv.get_signaling_channel_endpoint(
            ChannelARN=arn,
            SingleMasterChannelEndpointConfiguration={"Protocols": ["WSS", "HTTPS"], "Role": role},
        )["ResourceEndpointList"]
        schemes = {e["Protocol"]: e["ResourceEndpoint"].split("://")[0] for e in endpoints}
        assert schemes == {"WSS": "wss", "HTTPS": "https"}


def test_kvs_paths_answer_a_browsers_preflight(cloud: CloudState) -> None:
    for path in (
        "/getSignalingChannelEndpoint",
        "/describeSignalingChannel",
        "/v1/send-alexa-offer-to-master",
    ):
        response = requests.options(
            cloud.moto_url + path,
            headers={
                "Origin": "https://camera-maker.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": SDK_V3_HEADERS,
            },
            timeout=5,
            verify=cloud.ca_file,
        )
        assert response.status_code == 200, path
        assert response.headers["Access-Control-Allow-Origin"] == "https://camera-maker.example"
        assert "POST" in response.headers["Access-Control-Allow-Methods"]
        allowed = {h.strip() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
        assert set(SDK_V3_HEADERS.split(",")) | {"x-amz-security-token"} <= allowed
    assert set(ALLOWED_HEADERS.split(", ")) == allowed


def test_kvs_responses_carry_cors_headers_for_a_page_on_another_origin(cloud: CloudState) -> None:
    kv = kinesisvideo(cloud, origin="https://camera-maker.example")
    created = kv.create_signaling_channel(ChannelName=f"cors-{uuid.uuid4().hex[:8]}")
    headers = created["ResponseMetadata"]["HTTPHeaders"]
    assert headers["access-control-allow-origin"] == "https://camera-maker.example"
    assert "x-amzn-requestid" in headers["access-control-expose-headers"]
    # Without an Origin (not a browser), nothing is added.
    plain = kinesisvideo(cloud).describe_signaling_channel(ChannelARN=created["ChannelARN"])
    assert "access-control-expose-headers" not in plain["ResponseMetadata"]["HTTPHeaders"]


def test_the_config_api_wants_the_devices_own_sigv4_signature(cloud: CloudState) -> None:
    async def scenario() -> list[int]:
        async with cloud_session(cloud.ca_file) as session:
            client = CloudClient(cloud.url, session, cloud.region)
            url = f"{cloud.url}/config"
            credentials = await client.device_credentials(f"nobody-{uuid.uuid4().hex[:6]}")
            good = sign("GET", url, credentials, cloud.region)
            forged = {**good, "Authorization": good["Authorization"][:-8] + "00000000"}
            other_key = {**credentials, "secretAccessKey": "not-the-secret"}
            statuses = []
            for headers in ({}, forged, sign("GET", url, other_key, cloud.region), good):
                async with session.get(url, headers=headers) as response:
                    statuses.append(response.status)
            with pytest.raises(CloudError):
                await client.device_credentials("x")  # not a deviceId: too short for a session name
            return statuses

    # Forged or unsigned: refused before the function runs. Signed: the function answers (unknown device).
    assert asyncio.run(scenario()) == [403, 403, 403, 404]


def test_a_client_without_the_ca_cannot_reach_the_signaling_endpoint(cloud: CloudState) -> None:
    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.ClientConnectorCertificateError):
                await session.ws_connect(cloud.url.replace("https://", "wss://") + "/signaling/m-x")
        context = ssl.create_default_context(cafile=str(cloud.ca_file))
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context)) as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await session.ws_connect(cloud.url.replace("https://", "wss://") + "/signaling/m-x")
            assert refused.value.status == 403  # TLS accepted; the unsigned request is not

    asyncio.run(scenario())
