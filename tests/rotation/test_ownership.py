"""Rotation claims only channels lifecycle would adopt, and never writes stale registry data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest

from functions.common import aws_clients
from functions.common.registry import channel_tags
from functions.common.registry.store import Device, Registry
from functions.tag_rotation import logic
from functions.tag_rotation.paced_kvs import kvs_client
from functions.tag_rotation.settings import RotationSettings
from tests.rotation.support import DEFAULT_CELL, PREFIX, Fleet, static_tags


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

    summary = logic.run(settings)

    assert summary.complete and summary.channels_seen == 2
    assert summary.conflicts == 1 and summary.conflict_names == ["alexa-cam-mine"]
    assert summary.updated == 1 and summary.failed == 0 and summary.orphans == 0
    assert fleet.tags("alexa-cam-mine") == foreign
    assert static_tags("good").items() <= fleet.tags("alexa-cam-good").items()


@pytest.mark.parametrize(
    "tags_now",
    [
        pytest.param({"team": "lab"}, id="managed-tags-stripped"),
        pytest.param({channel_tags.DEVICE_TAG: "other", "team": "lab"}, id="device-tag-altered"),
        pytest.param(
            {channel_tags.DEVICE_TAG: "mine", channel_tags.OWNER_TAG: "someone-else", "team": "lab"},
            id="owner-tag-altered",
        ),
    ],
)
def test_the_channel_the_registry_recorded_is_healed_whatever_its_tags_say(
    fleet: Fleet, settings: RotationSettings, tags_now: dict[str, str]
) -> None:
    # An `untag-resource` by hand must not take the camera out of rotation for good.
    arn = fleet.channel("mine", tags_now)
    fleet.device("mine", channel_arn=arn)

    summary = logic.run(settings)

    assert summary.complete and summary.updated == 1 and summary.conflicts == 0
    tags = fleet.tags("alexa-cam-mine")
    assert static_tags("mine").items() <= tags.items()
    assert tags[channel_tags.GENERATION_TAG] == summary.generation and tags["team"] == "lab"


def test_a_channel_whose_arn_is_not_the_recorded_one_is_a_conflict_whatever_its_tags_say(
    fleet: Fleet, settings: RotationSettings
) -> None:
    # The recorded channel was deleted and its name re-created, device tag and all, by someone else.
    recorded = fleet.channel("mine")
    fleet.kvs.delete_signaling_channel(ChannelARN=recorded)
    fleet.device("mine", channel_arn=recorded)
    fleet.channel("mine", {channel_tags.DEVICE_TAG: "mine"})
    before = fleet.tags("alexa-cam-mine")

    summary = logic.run(settings)

    assert summary.complete and summary.conflicts == 1 and summary.conflict_names == ["alexa-cam-mine"]
    assert summary.updated == summary.rotated == 0
    assert fleet.tags("alexa-cam-mine") == before


LATER = "2025-06-01T00:00:00.000000Z"


def change_owner(fleet: Fleet, device_id: str, owner_id: str) -> None:
    """What lifecycle does for a DeviceUpdated with a new owner: tag the channel, then write the item."""
    name = f"{PREFIX}{device_id}"
    fleet.kvs.tag_resource(
        ResourceARN=fleet.arns[name],
        Tags=[{"Key": channel_tags.OWNER_TAG, "Value": channel_tags.owner_ref(owner_id)}],
    )
    registry = Registry(fleet.registry.table_name, boto3.client("dynamodb"))
    written = registry.put_if_newer(
        Device(
            device_id=device_id,
            owner_id=owner_id,
            channel_name=name,
            last_event_time=LATER,
            last_event_id=f"evt-{device_id}-moved",
        )
    )
    assert written


# Where in the run the owner changes: right after the registry snapshot is read (the whole run
# would write the old owner), or right before rotation's own tag write on the channel (after any
# re-read of the registry). Lifecycle only ever changes the channel to match the registry, so a
# channel already right stays right unless rotation writes it from stale data.
SCAN = (lambda: aws_clients.client("dynamodb"), "after-call.dynamodb.Scan")
# Rotation's own client of the one (default) cell.
TAG = (lambda: kvs_client(DEFAULT_CELL), "provide-client-params.kinesisvideo.TagResource")


@pytest.mark.parametrize(
    ("tags_before", "hook"),
    [
        pytest.param("right", SCAN, id="after-the-scan-channel-right"),
        pytest.param("device-tag-only", SCAN, id="after-the-scan-channel-drifted"),
        pytest.param("device-tag-only", TAG, id="between-re-read-and-write"),
    ],
)
def test_an_owner_change_during_the_run_is_not_reverted(
    fleet: Fleet,
    settings: RotationSettings,
    tags_before: str,
    hook: tuple[Callable[[], Any], str],
) -> None:
    arn = fleet.camera("moved", static_tags("moved") if tags_before == "right" else {})
    fleet.camera("still")
    client_of, event = hook
    changed: list[bool] = []

    def move(params: dict[str, Any] | None = None, **_: object) -> None:
        if not changed and (params is None or params.get("ResourceARN") == arn):
            changed.append(True)
            change_owner(fleet, "moved", "new-owner")

    client_of().meta.events.register(event, move)

    summary = logic.run(settings)

    assert changed, "the owner change never happened during the run"
    assert summary.complete and summary.failed == 0 and summary.channels_seen == 2
    moved = fleet.tags(f"{PREFIX}moved")
    assert moved[channel_tags.OWNER_TAG] == channel_tags.owner_ref("new-owner")
    assert moved[channel_tags.GENERATION_TAG] == summary.generation
    assert static_tags("still").items() <= fleet.tags(f"{PREFIX}still").items()
