"""A 2,000-channel fleet with mixed drift converges in one run; a second run only rotates."""

from __future__ import annotations

from collections import Counter

import pytest

from functions.common.registry import channel_tags
from functions.common.registry.store import DeviceStatus
from functions.tag_rotation import logic
from functions.tag_rotation.settings import RotationSettings
from functions.tag_rotation.summary import RunStatus
from localcloud import kvs
from tests.rotation.support import Fleet, calls_per_channel, rotation_calls, static_tags

FOREIGN = {"cost-center": "home", "team": "video"}
CROWDED = {f"owner-label-{i}": str(i) for i in range(46)}  # 46 foreign + 6 managed > 50


def seed(fleet: Fleet, size: int) -> dict[str, set[str]]:
    """Registered cameras in six drift kinds, orphans, a tombstoned channel, ghosts and a full channel."""
    kinds: dict[str, set[str]] = {k: set() for k in ("missing", "changed", "stale", "foreign", "right")}
    for i in range(size):
        device_id = f"d{i:05d}"
        right = static_tags(device_id)
        kind = ("missing", "changed", "stale", "foreign", "right")[i % 5]
        tags = {
            "missing": {channel_tags.DEVICE_TAG: device_id},
            "changed": right | {channel_tags.ENVIRONMENT_TAG: "old", channel_tags.OWNER_TAG: "someone"},
            "stale": right | {"camera:legacy-zone": "eu", "camera:firmware": "1.0"},
            "foreign": right | FOREIGN | {channel_tags.GENERATION_TAG: "previous"},
            "right": right,
        }[kind]
        fleet.camera(device_id, tags)
        kinds[kind].add(f"alexa-cam-{device_id}")
    kinds["orphan"] = set()
    for i in range(20):
        fleet.channel(f"orphan{i}", {"team": "lab", channel_tags.DEVICE_TAG: f"orphan{i}"})
        kinds["orphan"].add(f"alexa-cam-orphan{i}")
    fleet.channel("retired", {channel_tags.DEVICE_TAG: "retired"})
    fleet.device("retired", status=DeviceStatus.DEREGISTERED)
    kinds["orphan"].add("alexa-cam-retired")
    kinds["ghost"] = set()
    for i in range(15):
        fleet.device(f"ghost{i}")
        kinds["ghost"].add(f"alexa-cam-ghost{i}")
    fleet.camera("crowded", CROWDED)
    kinds["crowded"] = {"alexa-cam-crowded"}
    # Outside the prefix: never listed, never touched.
    fleet.kvs.create_signaling_channel(ChannelName="other-app-cam", Tags=[{"Key": "camera:x", "Value": "1"}])
    return kinds


@pytest.mark.slow  # 17 s on an idle 2-core machine, more under load; seeding dominates
def test_fleet_converges_then_only_rotates(fleet: Fleet, settings: RotationSettings) -> None:
    size = 2000
    kinds = seed(fleet, size)
    untouchable = kinds["orphan"] | kinds["crowded"]
    before = {name: fleet.tags(name) for name in untouchable}
    kvs.clear_calls()

    first = logic.run(settings)
    records = rotation_calls()  # before the test's own reads below

    assert first.status is RunStatus.COMPLETE and first.complete
    orphans, ghosts = kinds["orphan"], kinds["ghost"]
    assert first.channels_seen == size + len(orphans) + 1
    assert first.orphans == len(orphans) and set(first.orphan_names) == orphans
    assert first.ghosts == len(ghosts) and set(first.ghost_names) == ghosts
    assert first.no_room == 1 and first.no_room_names == ["alexa-cam-crowded"]
    # The "right" and "foreign" fifths only needed their rotating tags.
    assert first.updated == size * 3 // 5
    assert first.rotated == size * 2 // 5
    assert first.failed == first.vanished == first.throttles == 0
    after_first = {name: fleet.tags(name) for name in fleet.arns}
    rotating = channel_tags.rotating_tags(first.generation, _rotated_at(after_first))
    for kind in ("missing", "changed", "stale", "foreign", "right"):
        for name in kinds[kind]:
            device_id = name.removeprefix("alexa-cam-")
            foreign = FOREIGN if kind == "foreign" else {}
            assert after_first[name] == static_tags(device_id) | rotating | foreign, name
    for name in untouchable:
        assert after_first[name] == before[name], name

    per_channel = calls_per_channel(records)
    assert max(per_channel.values()) == 1  # at most one read, one tag, one untag per channel
    by_op = Counter(c.operation for c in records)
    assert by_op["ListTagsForResource"] == size + len(orphans) + 1
    assert by_op["TagResource"] == size
    untagged = {arn for arn, op in per_channel if op == "UntagResource"}
    assert untagged == {fleet.arns[name] for name in kinds["stale"]}
    assert first.calls == dict(by_op)
    assert all(c.outcome == "ok" for c in records)
    assert fleet.kvs.list_tags_for_resource(ResourceARN=_arn(fleet, "other-app-cam"))["Tags"] == {
        "camera:x": "1"
    }

    kvs.clear_calls()
    second = logic.run(settings)
    records = rotation_calls()

    assert second.complete and second.generation != first.generation
    assert second.rotated == size and second.updated == 0 and second.no_room == 1
    by_op = Counter(c.operation for c in records)
    assert by_op["ListTagsForResource"] == size + len(orphans) + 1  # each channel read once
    assert by_op["TagResource"] == size and by_op["UntagResource"] == 0
    assert max(calls_per_channel(records).values()) == 1
    rotating_keys = set(channel_tags.rotating_tags("", ""))
    for name, previous in after_first.items():
        now = fleet.tags(name)
        changed = {k for k in now.keys() | previous.keys() if now.get(k) != previous.get(k)}
        if name in untouchable:
            assert not changed, name
        else:
            assert changed == rotating_keys, name
            assert now[channel_tags.GENERATION_TAG] == second.generation


def _rotated_at(tags_by_channel: dict[str, dict[str, str]]) -> str:
    return tags_by_channel["alexa-cam-d00000"][channel_tags.ROTATED_AT_TAG]


def _arn(fleet: Fleet, name: str) -> str:
    info = fleet.kvs.describe_signaling_channel(ChannelName=name)["ChannelInfo"]
    return str(info["ChannelARN"])
