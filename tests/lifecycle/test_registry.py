"""The registry additions the lifecycle relies on: event order, tombstones, put_if_current."""

from __future__ import annotations

from functions.common.registry import TOMBSTONE_RETENTION_SECONDS, Device, DeviceStatus, Registry


def _device(time: str, event_id: str, owner: str = "owner-1") -> Device:
    return Device(device_id="cam-1", owner_id=owner, last_event_time=time, last_event_id=event_id)


def test_order_key_is_time_then_id() -> None:
    assert (
        _device("2026-01-01T00:00:01.000000Z", "a").order_key
        > _device("2026-01-01T00:00:00.000000Z", "z").order_key
    )
    assert (
        _device("2026-01-01T00:00:00.000000Z", "b").order_key
        > _device("2026-01-01T00:00:00.000000Z", "a").order_key
    )
    assert Device(device_id="x").order_key == ("", "")


def test_tombstone_has_no_owner_and_expires() -> None:
    tombstone = Device.tombstone("cam-1", "2026-01-01T00:00:00.000000Z", "e1", now=1_000)
    assert tombstone.status is DeviceStatus.DEREGISTERED and not tombstone.is_active
    assert tombstone.owner_id is None and tombstone.channel_arn is None
    assert tombstone.expires_at == 1_000 + TOMBSTONE_RETENTION_SECONDS
    assert tombstone.order_key == ("2026-01-01T00:00:00.000000Z", "e1")


def test_writes_follow_event_order(lifecycle: Registry) -> None:
    newer = _device("2026-01-01T00:00:02.000000Z", "b")
    assert lifecycle.put_if_newer(newer)
    assert not lifecycle.put_if_newer(_device("2026-01-01T00:00:01.000000Z", "z", owner="late"))
    assert not lifecycle.put_if_newer(newer)  # the same event again
    tombstone = Device.tombstone("cam-1", "2026-01-01T00:00:03.000000Z", "c", now=0)
    assert lifecycle.put_if_newer(tombstone)
    assert lifecycle.list_by_owner("owner-1") == []
    stored = lifecycle.get("cam-1", consistent=True)
    assert stored is not None and stored.expires_at == TOMBSTONE_RETENTION_SECONDS


def test_put_if_current_only_rewrites_the_same_event(lifecycle: Registry) -> None:
    applied = _device("2026-01-01T00:00:02.000000Z", "b")
    lifecycle.put_if_newer(applied)
    assert lifecycle.put_if_current(applied.model_copy(update={"channel_arn": "arn:new"}))
    stored = lifecycle.get("cam-1", consistent=True)
    assert stored is not None and stored.channel_arn == "arn:new"
    lifecycle.put_if_newer(_device("2026-01-01T00:00:05.000000Z", "c", owner="owner-2"))
    assert not lifecycle.put_if_current(applied.model_copy(update={"channel_arn": "arn:stale"}))
    stored = lifecycle.get("cam-1", consistent=True)
    assert stored is not None and stored.owner_id == "owner-2" and stored.channel_arn is None
    assert not lifecycle.put_if_current(Device(device_id="cam-2", last_event_time="t", last_event_id="i"))
