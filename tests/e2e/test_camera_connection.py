"""A camera's signaling connection through the local cloud: drop, reconnect, replacement."""

from __future__ import annotations

import asyncio
import base64
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
import boto3
import pytest

from functions.common.cells.config import Cells
from localcloud.alexa.simulator import SimulatedAlexa, error_type, event_name
from localcloud.aws.client import CloudClient, cloud_session
from localcloud.aws.signaling_server import encode_payload
from localcloud.cameras.camera import SimulatedCamera, presign
from localcloud.cells import local_cells
from localcloud.cloud import CloudState

pytestmark = pytest.mark.e2e

ALEXA_DEADLINE_S = 6.0
T = TypeVar("T")


def run(scenario: Callable[[CloudClient], Awaitable[T]], state: CloudState) -> T:
    """Run a scenario in a fresh event loop with a client of the running cloud."""

    async def main() -> T:
        async with cloud_session(state.ca_file) as session:
            return await scenario(CloudClient(state.url, session, state.region))

    return asyncio.run(main())


def test_a_camera_that_drops_is_unreachable_until_it_reconnects(cloud: CloudState) -> None:
    async def scenario(client: CloudClient) -> None:
        user = f"dana-{uuid.uuid4().hex[:6]}"
        camera = SimulatedCamera(client, f"drop-{uuid.uuid4().hex[:6]}", user, "Hall")
        alexa = SimulatedAlexa(client)
        token = await client.token(user)
        await camera.bring_up()
        try:
            view, _ = await alexa.live_view(token, camera.device_id)
            assert event_name(view.response) == "AnswerGeneratedForSession"
            assert await view.receive(5, 10.0) >= 5
            await view.close()

            await camera.disconnect()
            view, seconds = await alexa.live_view(token, camera.device_id)
            await view.close()
            assert error_type(view.response) == "ENDPOINT_UNREACHABLE"
            assert seconds < ALEXA_DEADLINE_S

            await camera.connect()
            view, seconds = await alexa.live_view(token, camera.device_id)
            assert event_name(view.response) == "AnswerGeneratedForSession"
            assert seconds < ALEXA_DEADLINE_S
            assert await view.receive(5, 10.0) >= 5
            await view.close()
            # KVS may redeliver the offer made while it was away once it is back (until the TTL).
            assert camera.offers_answered >= 2
        finally:
            await camera.close()

    run(scenario, cloud)


def test_the_newest_master_wins_and_the_old_one_gets_go_away(cloud: CloudState) -> None:
    async def scenario(client: CloudClient) -> None:
        user = f"erin-{uuid.uuid4().hex[:6]}"
        device_id = f"twin-{uuid.uuid4().hex[:6]}"
        old = SimulatedCamera(client, device_id, user, "Twin")
        new = SimulatedCamera(client, device_id, user, "Twin")
        await old.bring_up()
        try:
            await new.connect()
            await asyncio.wait_for(old.went_away.wait(), 5.0)
            view, _ = await SimulatedAlexa(client).live_view(await client.token(user), device_id)
            await view.close()
            assert event_name(view.response) == "AnswerGeneratedForSession"
            assert (old.offers_answered, new.offers_answered) == (0, 1)
        finally:
            await old.close()
            await new.close()

    run(scenario, cloud)


def test_the_signaling_endpoint_requires_the_channel_and_a_signature(cloud: CloudState) -> None:
    async def scenario(client: CloudClient) -> list[int]:
        camera = SimulatedCamera(client, f"sig-{uuid.uuid4().hex[:6]}", "frank", "Gate")
        await camera.register()
        config = await camera.fetch_config()
        statuses: list[int] = []
        for query in ({}, {"X-Amz-ChannelARN": config.channel_arn}):
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await client.session.ws_connect(config.endpoints.wss, params=query)
            statuses.append(refused.value.status)
        missing = config.channel_arn.replace(camera.device_id, "no-such-camera")
        with pytest.raises(aiohttp.WSServerHandshakeError) as unknown:
            await client.session.ws_connect(
                config.endpoints.wss, params={"X-Amz-ChannelARN": missing, "X-Amz-Signature": "x"}
            )
        return [*statuses, unknown.value.status]

    assert run(scenario, cloud) == [403, 403, 404]


def test_a_lambda_like_device_config_call_is_bound_to_the_device_identity(cloud: CloudState) -> None:
    async def scenario(client: CloudClient) -> tuple[int, int]:
        camera = SimulatedCamera(client, f"cfg-{uuid.uuid4().hex[:6]}", "gina", "Shed")
        await camera.register()
        status, body = await client.device_config(camera.device_id)
        assert body["channelArn"].endswith(camera.device_id + "/" + body["channelArn"].rsplit("/", 1)[1])
        assert body["endpoints"]["WSS"].startswith(cloud.url.replace("https://", "wss://"))
        assert body["endpoints"]["HTTPS"] == cloud.moto_url
        assert cloud.moto_url.startswith("https://")
        started = time.perf_counter()
        unknown, _ = await client.device_config("never-registered")
        assert time.perf_counter() - started < 5
        return status, unknown

    status, unknown = run(scenario, cloud)
    assert status == 200
    assert unknown == 404


def test_a_bad_answer_with_a_correlation_id_gets_a_status_response(cloud: CloudState) -> None:
    async def scenario(client: CloudClient) -> dict[str, Any]:
        camera = SimulatedCamera(client, f"raw-{uuid.uuid4().hex[:6]}", "hank", "Loft")
        await camera.register()
        config = await camera.fetch_config()
        ws = await client.session.ws_connect(presign(config.endpoints.wss, config.channel_arn, "us-east-1"))
        answer = {"type": "answer", "sdp": "v=0"}
        await ws.send_json(
            {
                "action": "SDP_ANSWER",
                "recipientClientId": "nobody-asked",
                "messagePayload": encode_payload(answer),
                "correlationId": "c-1",
            }
        )
        reply: dict[str, Any] = await ws.receive_json(timeout=5)
        await ws.close()
        return reply

    reply = run(scenario, cloud)
    assert reply["messageType"] == "STATUS_RESPONSE"
    assert reply["statusResponse"]["correlationId"] == "c-1"
    assert reply["statusResponse"]["statusCode"] == "400"


def _skill_signaling(cloud: CloudState, channel_arn: str) -> Any:
    """A signaling client as the skill has it for this channel: credentials of the channel's cell
    (its cell role's in another account, the control account's own in cell a), on the channel's
    HTTPS endpoint for a VIEWER."""
    cell = Cells(local_cells(region=cloud.region)).of_channel_arn(channel_arn)
    credentials: dict[str, str] = {}
    if cell.role_arn is not None:
        sts = boto3.client(
            "sts", region_name=cloud.region, endpoint_url=cloud.moto_url, verify=str(cloud.ca_file)
        )
        issued = sts.assume_role(RoleArn=cell.role_arn, RoleSessionName="test-skill")["Credentials"]
        credentials = {
            "aws_access_key_id": issued["AccessKeyId"],
            "aws_secret_access_key": issued["SecretAccessKey"],
            "aws_session_token": issued["SessionToken"],
        }
    control = boto3.client(
        "kinesisvideo",
        region_name=cloud.region,
        endpoint_url=cloud.moto_url,
        verify=str(cloud.ca_file),
        **credentials,
    )
    (endpoint,) = control.get_signaling_channel_endpoint(
        ChannelARN=channel_arn,
        SingleMasterChannelEndpointConfiguration={"Protocols": ["HTTPS"], "Role": "VIEWER"},
    )["ResourceEndpointList"]
    return boto3.client(
        "kinesis-video-signaling",
        region_name=cloud.region,
        endpoint_url=endpoint["ResourceEndpoint"],
        verify=str(cloud.ca_file),
        **credentials,
    )


def test_payloads_cross_the_wss_endpoint_verbatim(cloud: CloudState) -> None:
    """The offer reaches the master and the answer reaches SendAlexaOfferToMaster as sent, byte for byte
    (a JavaScript master's compact JSON is not re-serialized)."""
    offer_payload = base64.b64encode(
        b'{"type":"offer","sdp":"v=0\\r\\no=- 1 1 IN IP4 0.0.0.0\\r\\n"}'
    ).decode()
    answer_payload = base64.b64encode(b'{"type":"answer","sdp":"v=0\\r\\n","extra":1}').decode()

    async def scenario(client: CloudClient) -> tuple[dict[str, Any], str]:
        camera = SimulatedCamera(client, f"raw-{uuid.uuid4().hex[:6]}", "ivan", "Barn")
        await camera.register()
        config = await camera.fetch_config()
        ws = await client.session.ws_connect(presign(config.endpoints.wss, config.channel_arn, "us-east-1"))
        signaling = _skill_signaling(cloud, config.channel_arn)
        sent = asyncio.create_task(
            asyncio.to_thread(
                signaling.send_alexa_offer_to_master,
                ChannelARN=config.channel_arn,
                SenderClientId="alexa-verbatim",
                MessagePayload=offer_payload,
            )
        )
        offer: dict[str, Any] = await ws.receive_json(timeout=5)
        await ws.send_json(
            {"action": "SDP_ANSWER", "recipientClientId": "alexa-verbatim", "messagePayload": answer_payload}
        )
        answer = (await sent)["Answer"]
        await ws.close()
        return offer, answer

    offer, answer = run(scenario, cloud)
    assert offer["messagePayload"] == offer_payload
    assert answer == answer_payload
