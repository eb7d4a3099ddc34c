"""The web page in headless Chromium plays the Alexa side and shows the camera's video."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from localcloud.browser import find_chromium, play_in_browser
from localcloud.cloud import CloudState
from tests.e2e.conftest import start_cloud, stop_cloud

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.browser,
    pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed (run `make chromium`)"),
]


@pytest.fixture(scope="module")
def cloud_with_camera(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudState]:
    process, state = start_cloud(
        tmp_path_factory.mktemp("localcloud"), "--cameras", "1", "--user", "browser-user"
    )
    yield state
    stop_cloud(process)


def test_the_page_plays_the_camera_video(cloud_with_camera: CloudState, tmp_path: Path) -> None:
    shot = tmp_path / "page.png"
    presented, decoded = asyncio.run(
        play_in_browser(
            cloud_with_camera.url,
            cloud_with_camera.ca_file,
            "browser-user",
            minimum_frames=20,
            screenshot=shot,
        )
    )
    assert presented >= 20
    assert decoded > 0
    png = shot.read_bytes()
    assert png.startswith(b"\x89PNG")
    width, height = struct.unpack(">II", png[16:24])
    assert width >= 800 and height >= 400


def test_a_ring_on_the_page_opens_the_doorbells_live_view_by_itself(cloud_with_camera: CloudState) -> None:
    """The first simulated camera is a doorbell: its ring button publishes DoorbellPressed; the
    page, as Alexa, gets the DoorbellPress and plays the live view without a Play click."""
    from localcloud.browser import Chromium, chromium_path

    async def ring_and_watch() -> tuple[int, list[str]]:
        async with Chromium(chromium_path(), cloud_with_camera.ca_file) as browser:
            await browser.navigate(f"{cloud_with_camera.url}/?user=browser-user")
            await browser.wait_for(
                "document.querySelector('[data-ring]') !== null && following !== null", True, 30
            )
            await browser.evaluate("document.querySelector('[data-ring]').click()")
            presented = await browser.wait_for_frames(20, 30)
            events = await browser.evaluate(
                "[...document.querySelectorAll('#events li')].map(li => li.textContent)"
            )
            return presented, events

    presented, events = asyncio.run(ring_and_watch())
    assert presented >= 20
    assert any(e.startswith("DoorbellPress: browser-user-cam-1") for e in events), events
