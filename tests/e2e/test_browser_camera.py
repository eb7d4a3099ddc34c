"""A browser is the camera: AWS's KVS WebRTC SDK connects as MASTER and answers Alexa's offer, and
its "Person at the door" button sends a detection with a frame of its video."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from localcloud.alexa.simulator import SimulatedAlexa, accept_grant, event_name
from localcloud.alexa.vision import MIN_SIDE_PX, AlexaVision
from localcloud.aws.client import CloudClient, cloud_session
from localcloud.browser import browser_camera, find_chromium, play_in_browser
from localcloud.cloud import VENDOR, CloudState
from tests.e2e.test_detections import ANNOUNCE_WAIT_S, announced

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.browser,
    pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed (run `make chromium`)"),
]
ALEXA_DEADLINE_S = 6.0


def test_the_official_sdk_in_chromium_answers_alexa_and_streams(cloud: CloudState) -> None:
    assert all(path.is_dir() for path in VENDOR.values()), "npm packages missing: run `npm ci`"
    owner, device_id = f"maker-{uuid.uuid4().hex[:6]}", f"browser-{uuid.uuid4().hex[:6]}"

    async def scenario() -> None:
        async with (
            browser_camera(cloud.url, cloud.ca_file, owner, device_id) as page,
            cloud_session(cloud.ca_file) as session,
        ):
            client = CloudClient(cloud.url, session, cloud.region)
            token = await client.token(owner)
            alexa = SimulatedAlexa(client)
            assert [e["endpointId"] for e in await alexa.discover(token)] == [device_id]
            view, seconds = await alexa.live_view(token, device_id)
            try:
                assert event_name(view.response) == "AnswerGeneratedForSession", view.response
                assert seconds < ALEXA_DEADLINE_S
                # The answer Alexa got is the one the SDK sent from the page, byte for byte.
                answer = view.response["event"]["payload"]["answer"]["value"]
                assert await page.evaluate("window.camera.answers") == [answer]
                assert "a=candidate:" in answer  # gathered before answering: no trickle
                assert await view.receive(20, 20.0) >= 20
                assert view.frame_size is not None and min(view.frame_size) > 0
                assert await page.evaluate("document.getElementById('source').textContent") == "webcam"
            finally:
                await view.close()
            # The Alexa page in another browser plays the browser camera through the skill too.
            presented, _ = await play_in_browser(cloud.url, cloud.ca_file, owner, minimum_frames=10)
            assert presented >= 10
            assert await page.evaluate("window.camera.answered") == 2

    asyncio.run(scenario())


def test_the_person_at_the_door_button_announces_a_frame_of_the_video(cloud: CloudState) -> None:
    owner, device_id = f"porter-{uuid.uuid4().hex[:6]}", f"browser-{uuid.uuid4().hex[:6]}"

    async def scenario() -> None:
        async with (
            browser_camera(cloud.url, cloud.ca_file, owner, device_id) as page,
            cloud_session(cloud.ca_file) as session,
        ):
            client = CloudClient(cloud.url, session, cloud.region)
            token = await client.token(owner)
            await client.alexa(accept_grant(token, await client.link(owner)))
            await page.evaluate("document.getElementById('person').click()")
            await page.wait_for("window.camera.detection.status !== 'sending'", True, 20.0)
            detection = await page.evaluate("window.camera.detection")
            assert detection["status"] == "sent", detection
            item = await announced(client, owner, detection["eventId"], ANNOUNCE_WAIT_S)
            assert item is not None, f"no ObjectDetection at the gateway; the page says {detection}"
            assert item["imageNetClass"] == "person"
            image = await AlexaVision(client).detection_image(token, device_id, item)
            assert image.content_type == "image/jpeg"
            assert min(image.width, image.height) >= MIN_SIDE_PX
            # The frame of the video itself (Chromium's fake webcam: 640x480), not a drawing.
            video = await page.evaluate(
                "(v => [v.videoWidth, v.videoHeight])(document.getElementById('preview'))"
            )
            assert [image.width, image.height] == video
            assert detection["eventId"] in await page.evaluate(
                "document.getElementById('detection').textContent"
            )

    asyncio.run(scenario())
