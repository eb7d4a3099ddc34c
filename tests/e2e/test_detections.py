"""Detections and snapshots through the local cloud: a simulated camera's real frames uploaded
through POST /media, its device events through the detections queue and function, ObjectDetection
at the emulated gateway, and the simulated Alexa fetching every image as Alexa does."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from localcloud.alexa.simulator import accept_grant, error_type
from localcloud.alexa.vision import MIN_SIDE_PX, AlexaVision, ImageRefused, by_range, image_size
from localcloud.aws.client import CloudClient
from localcloud.cameras.camera import SimulatedCamera
from localcloud.cameras.media import jpeg_still
from localcloud.cloud import CloudState
from tests.e2e.test_camera_connection import run

pytestmark = pytest.mark.e2e

ANNOUNCE_WAIT_S = 10.0


async def linked_camera(client: CloudClient) -> tuple[SimulatedCamera, str]:
    """A registered camera whose owner linked the skill (so events reach their Alexa)."""
    user = f"vera-{uuid.uuid4().hex[:6]}"
    token = await client.token(user)
    await client.alexa(accept_grant(token, await client.link(user)))
    camera = SimulatedCamera(client, f"door-{uuid.uuid4().hex[:6]}", user, "Door")
    await camera.register()
    return camera, token


async def announced(client: CloudClient, user: str, event_id: str, wait_s: float) -> dict[str, Any] | None:
    """The ObjectDetection item for `event_id` the gateway accepted for `user`, within `wait_s`."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        for report in (await client.alexa_reports(user))["reports"]:
            if report["name"] == "ObjectDetection":
                for item in report["payload"]["events"]:
                    if item["eventIdentifier"] == event_id:
                        return dict(item)
        await asyncio.sleep(0.1)
    return None


def test_a_still_is_a_jpeg_of_alexas_minimum_size() -> None:
    data = jpeg_still(time.time(), "cam")
    size = image_size(data)
    assert data.startswith(b"\xff\xd8\xff")
    assert size is not None and min(size) >= MIN_SIDE_PX


def test_a_detection_is_announced_with_an_image_only_its_owner_can_fetch(cloud: CloudState) -> None:
    async def scenario(client: CloudClient) -> None:
        camera, token = await linked_camera(client)
        alexa = AlexaVision(client)
        event_id = await camera.detect("person")
        item = await announced(client, camera.owner_id, event_id, ANNOUNCE_WAIT_S)
        assert item is not None, "no ObjectDetection at the gateway"
        assert item["imageNetClass"] == "person"
        image = await alexa.detection_image(token, camera.device_id, item)
        assert image.content_type == "image/jpeg"
        assert min(image.width, image.height) >= MIN_SIDE_PX

        other = await client.token(f"mallory-{uuid.uuid4().hex[:6]}")
        with pytest.raises(ImageRefused) as refused:
            await alexa.fetch_once(item["frameImageUri"], other)
        assert refused.value.status == 404
        with pytest.raises(ImageRefused) as refused:
            await alexa.fetch_once(item["frameImageUri"], None)
        assert refused.value.status == 401

    run(scenario, cloud)


def test_a_class_turned_off_is_recorded_not_announced_and_history_pages_and_deletes(
    cloud: CloudState,
) -> None:
    async def scenario(client: CloudClient) -> None:
        camera, token = await linked_camera(client)
        alexa = AlexaVision(client)
        first = await camera.detect("person")
        assert await announced(client, camera.owner_id, first, ANNOUNCE_WAIT_S) is not None
        answer = await alexa.set_classes(token, camera.device_id, ["package"])
        assert error_type(answer) is None, answer
        silent = await camera.detect("person")
        assert await announced(client, camera.owner_id, silent, 2.0) is None

        now = datetime.now(UTC)
        window = by_range(now - timedelta(minutes=5), now + timedelta(minutes=5))
        page = await alexa.report_data(token, camera.device_id, window, max_results=1)
        assert [i["eventIdentifier"] for i in page["event"]["payload"]["data"]] == [silent]
        next_token = page["event"]["payload"]["paginationContext"]["nextToken"]
        page = await alexa.report_data(token, camera.device_id, window, max_results=1, next_token=next_token)
        (older,) = page["event"]["payload"]["data"]
        assert older["eventIdentifier"] == first

        deleted = await alexa.delete_data(token, camera.device_id, [first])
        assert deleted["event"]["header"]["name"] == "DeleteDataResponse"
        page = await alexa.report_data(token, camera.device_id, window)
        assert [i["eventIdentifier"] for i in page["event"]["payload"]["data"]] == [silent]
        with pytest.raises(ImageRefused) as refused:
            await alexa.fetch_once(older["frameImageUri"], token)
        assert refused.value.status == 404

    run(scenario, cloud)


def test_get_snapshot_answers_the_cameras_latest_still(cloud: CloudState) -> None:
    async def scenario(client: CloudClient) -> None:
        camera, token = await linked_camera(client)
        alexa = AlexaVision(client)
        await camera.snapshot()
        deadline = time.monotonic() + ANNOUNCE_WAIT_S
        response = await alexa.get_snapshot(token, camera.device_id)
        while error_type(response) is not None and time.monotonic() < deadline:
            await asyncio.sleep(0.1)  # the detections queue is drained every 0.2 s
            response = await alexa.get_snapshot(token, camera.device_id)
        response, image = await alexa.snapshot(token, camera.device_id)
        assert response["event"]["header"]["name"] == "Snapshot"
        assert (image.width, image.height) == (480, 360)

    run(scenario, cloud)


def test_a_watching_camera_takes_snapshots_and_detects_on_its_schedule(cloud: CloudState) -> None:
    async def scenario(client: CloudClient) -> None:
        camera, token = await linked_camera(client)
        alexa = AlexaVision(client)
        camera.watch(snapshot_every_s=0.3, detect_every_s=0.3)
        try:
            deadline = time.monotonic() + ANNOUNCE_WAIT_S
            reports: list[dict[str, Any]] = []
            while not reports and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
                all_reports = (await client.alexa_reports(camera.owner_id))["reports"]
                reports = [r for r in all_reports if r["name"] == "ObjectDetection"]
            assert reports, "no scheduled detection was announced"
            assert error_type(await alexa.get_snapshot(token, camera.device_id)) is None
        finally:
            await camera.close()

    run(scenario, cloud)
