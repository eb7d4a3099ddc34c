"""Event tags near the 50-tag limit of a channel, through the KVS emulation."""

from __future__ import annotations

import boto3
import pytest

from functions.common.registry import channel_tags
from functions.common.registry.store import Registry
from functions.device_lifecycle.events import MAX_EVENT_TAGS
from tests.lifecycle.support import channels, event, run

NAME = "alexa-cam-cam-1"


def _rotate_and_tag(extra: dict[str, str] | None = None) -> None:
    """What tag rotation (and maybe a person) adds to the channel after registration."""
    tags = {**channel_tags.rotating_tags("gen-1", "2026-01-01T00:00:00Z"), **(extra or {})}
    boto3.client("kinesisvideo").tag_resource(
        ResourceARN=channels()[NAME].arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
    )


def test_a_device_with_the_most_tags_can_rename_one(lifecycle: Registry) -> None:
    tags = {f"k{i}": "v" for i in range(MAX_EVENT_TAGS)}
    assert run(event("DeviceRegistered", "cam-1", 0, tags=tags)) == []
    _rotate_and_tag()
    assert len(channels()[NAME].tags) == channel_tags.MAX_TAGS_PER_CHANNEL

    renamed = {**{k: v for k, v in tags.items() if k != "k0"}, "renamed": "v"}
    assert run(event("DeviceUpdated", "cam-1", 10, owner="owner-2", tags=renamed)) == []

    on_channel = channels()[NAME].tags
    assert "k0" not in on_channel and on_channel["renamed"] == "v"
    assert on_channel[channel_tags.OWNER_TAG] == channel_tags.owner_ref("owner-2")
    device = lifecycle.get("cam-1")
    assert device is not None and device.owner_id == "owner-2" and device.tags == renamed


def test_foreign_tags_count_and_a_rename_beside_them_works(lifecycle: Registry) -> None:
    tags = {f"k{i}": "v" for i in range(MAX_EVENT_TAGS - 1)}
    assert run(event("DeviceRegistered", "cam-1", 0, tags=tags)) == []
    _rotate_and_tag({"team": "video"})  # a foreign tag takes the last free place
    renamed = {**{k: v for k, v in tags.items() if k != "k0"}, "renamed": "v"}
    assert run(event("DeviceUpdated", "cam-1", 10, tags=renamed)) == []
    on_channel = channels()[NAME].tags
    assert on_channel["team"] == "video" and "k0" not in on_channel and "renamed" in on_channel


def test_tags_that_cannot_fit_beside_foreign_ones_are_a_bad_record_changing_nothing(
    lifecycle: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    tags = {f"k{i}": "v" for i in range(MAX_EVENT_TAGS - 1)}
    assert run(event("DeviceRegistered", "cam-1", 0, tags=tags)) == []
    _rotate_and_tag({"team": "video"})
    before = channels()[NAME].tags

    grown = {**{k: v for k, v in tags.items() if k != "k0"}, "new-1": "v", "new-2": "v"}
    assert len(run(event("DeviceUpdated", "cam-1", 10, owner="owner-2", tags=grown))) == 1

    assert channels()[NAME].tags == before
    reasons = [getattr(r, "reason", "") for r in caplog.records if "record rejected" in r.getMessage()]
    assert any("foreign" in reason and "51" in reason for reason in reasons), reasons
