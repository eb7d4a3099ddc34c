"""The skill's, the lifecycle's and the events function's fixtures, for the SmartVision tests
that go through them, and the media bucket and detections table with a detecting camera."""

from collections.abc import Iterator

import pytest

from functions.detections import handler as detections_handler
from tests.alexa_events.conftest import outbound
from tests.alexa_skill.conftest import Cloud, cloud, issuer
from tests.lifecycle.conftest import lifecycle
from tests.smartvision.detections import CROP, FRAME, SNAP
from tests.smartvision.media import MediaCloud, media_cloud

__all__ = ["cloud", "issuer", "lifecycle", "outbound"]


@pytest.fixture
def media(cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> Iterator[MediaCloud]:
    found = media_cloud(cloud.env, monkeypatch)
    detections_handler._parts.cache_clear()
    cloud.camera("cam-1", object_detection_classes=["person", "package"], snapshots=True)
    for media_id in (FRAME, CROP, SNAP):
        found.put_image(f"media/cam-1/{media_id}")
    yield found
    detections_handler._parts.cache_clear()
