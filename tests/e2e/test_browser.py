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
