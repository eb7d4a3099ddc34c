"""Rotation claims only channels lifecycle would adopt, and never writes stale registry data."""

from __future__ import annotations

import pytest

from functions.common import channel_tags
from functions.tag_rotation import rotation
from functions.tag_rotation.settings import RotationSettings
from tests.rotation.support import Fleet, static_tags


@pytest.mark.parametrize(
    "device_tag",
    [
        pytest.param({channel_tags.DEVICE_TAG: "other"}, id="tagged-for-another-device"),
        pytest.param({}, id="no-device-tag"),
    ],
)
def test_a_channel_lifecycle_would_refuse_is_reported_and_left_untouched(
    fleet: Fleet, settings: RotationSettings, device_tag: dict[str, str]
) -> None:
    # Lifecycle adopts a channel only when its device tag names the device (device_lifecycle/
    # logic.py, _owned_tags); rotation writing the tag would hand it the channel on the next event.
    fleet.device("mine")
    foreign = device_tag | {channel_tags.OWNER_TAG: "someone-else", "team": "lab"}
    fleet.channel("mine", foreign)
    fleet.camera("good")

    summary = rotation.run(settings)

    assert summary.complete and summary.channels_seen == 2
    assert summary.conflicts == 1 and summary.conflict_names == ["alexa-cam-mine"]
    assert summary.updated == 1 and summary.failed == 0 and summary.orphans == 0
    assert fleet.tags("alexa-cam-mine") == foreign
    assert static_tags("good").items() <= fleet.tags("alexa-cam-good").items()
