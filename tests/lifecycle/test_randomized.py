"""A fleet's worth of lifecycle events, duplicated and shuffled, converges to the right state."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

from functions.common.registry import channel_tags
from functions.common.registry.store import Registry
from localcloud import kvs
from tests.lifecycle.support import channels, event, lifecycle_context, run_ids, sqs_record

DEVICES = 500
SEED = 20260101


@dataclass
class History:
    """The events of one device, oldest first, and the state the last one describes."""

    device_id: str
    events: list[dict[str, Any]] = field(default_factory=list)
    final: dict[str, Any] | None = None  # the detail of the last event; None when deregistered


def _detail(rng: random.Random) -> dict[str, Any]:
    return {
        "owner": f"owner-{rng.randrange(40)}",
        "friendlyName": rng.choice(["Front door", "Garage", "Garden", "Nursery"]),
        "messageTtlSeconds": rng.randrange(5, 121),
        "fullDuplexAudio": rng.random() < 0.5,
        "tags": {f"k{rng.randrange(6)}": f"v{rng.randrange(3)}" for _ in range(rng.randrange(4))},
    }


def _history(rng: random.Random, index: int) -> History:
    history = History(f"cam-{index:04d}")
    at = 0
    steps = ["DeviceRegistered"] + ["DeviceUpdated"] * rng.randrange(3)
    if rng.random() < 0.3:
        steps.append("DeviceDeregistered")
        if rng.random() < 0.3:
            steps.append("DeviceRegistered")
    for step in steps:
        at += rng.randrange(1, 100)
        if step == "DeviceDeregistered":
            history.events.append(event("DeviceDeregistered", history.device_id, at, owner=None))
            history.final = None
        else:
            detail = _detail(rng)
            history.events.append(event(step, history.device_id, at, **detail))
            history.final = detail
    return history


def test_shuffled_duplicated_events_converge(lifecycle: Registry) -> None:
    rng = random.Random(SEED)
    histories = [_history(rng, i) for i in range(DEVICES)]
    bodies = [e for h in histories for e in h.events]
    bodies += rng.sample(bodies, len(bodies) // 5)  # at-least-once: a fifth arrive twice
    rng.shuffle(bodies)
    # A few throttled calls along the way, as a busy account would see.
    kvs.inject("CreateSignalingChannel", error="ClientLimitExceededException", times=5)
    kvs.inject("ListTagsForResource", error="ClientLimitExceededException", times=5)

    pending = [sqs_record(json.dumps(b)) for b in bodies]
    for _ in range(3):
        failed: list[dict[str, Any]] = []
        for start in range(0, len(pending), 10):
            batch = pending[start : start + 10]
            ids = set(run_ids({"Records": batch}, lifecycle_context()))
            failed += [r for r in batch if r["messageId"] in ids]
        pending = failed
        if not pending:
            break
    assert pending == []

    live = {h.device_id: h.final for h in histories if h.final is not None}
    found = channels()
    assert sorted(found) == sorted(f"alexa-cam-{d}" for d in live)
    items = {d.device_id: d for d in lifecycle.scan()}
    assert sorted(items) == sorted(h.device_id for h in histories)
    for device_id, detail in live.items():
        channel, item = found[f"alexa-cam-{device_id}"], items[device_id]
        expected_tags = channel_tags.managed_tags(device_id, detail["owner"], "dev") | detail["tags"]
        assert channel.tags == expected_tags, device_id
        assert channel.ttl == detail["messageTtlSeconds"], device_id
        assert item.is_active and item.channel_arn == channel.arn
        assert (item.owner_id, item.friendly_name, item.tags) == (
            detail["owner"],
            detail["friendlyName"],
            detail["tags"],
        )
        assert item.message_ttl_seconds == detail["messageTtlSeconds"]
        assert item.full_duplex_audio is detail["fullDuplexAudio"]
    for device_id in items.keys() - live.keys():
        assert not items[device_id].is_active and items[device_id].owner_id is None
