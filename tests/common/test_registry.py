"""The registry's conditional writes, owner index and check-in stamp, against moto's DynamoDB."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3

from functions.common.registry.store import Device, DeviceStatus, Registry, event_time_key

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _device(device_id: str, owner: str | None, at: datetime, event_id: str = "e1", **extra: object) -> Device:
    return Device.model_validate(
        {
            "deviceId": device_id,
            "ownerId": owner,
            "lastEventTime": event_time_key(at),
            "lastEventId": event_id,
            **extra,
        }
    )


def test_newer_events_win_and_older_or_equal_ones_are_skipped(cloud_env: dict[str, str]) -> None:
    registry = Registry(cloud_env["REGISTRY_TABLE_NAME"])
    assert registry.put_if_newer(_device("cam-1", "alice", T0, friendlyName="Front door"))
    assert not registry.put_if_newer(_device("cam-1", "bob", T0 - timedelta(seconds=1)))
    assert not registry.put_if_newer(_device("cam-1", "bob", T0))  # the same event again
    assert registry.put_if_newer(_device("cam-1", "bob", T0, event_id="e2"))  # same time, later id
    stored = registry.get("cam-1")
    assert stored is not None
    assert stored.owner_id == "bob"


def test_owner_index_lists_live_cameras_only(cloud_env: dict[str, str]) -> None:
    registry = Registry(cloud_env["REGISTRY_TABLE_NAME"])
    for n in range(3):
        registry.put_if_newer(_device(f"cam-{n}", "alice", T0, messageTtlSeconds=30, fullDuplexAudio=True))
    registry.put_if_newer(_device("cam-x", "bob", T0))
    tombstone = _device("cam-2", None, T0 + timedelta(seconds=5), status=DeviceStatus.DEREGISTERED)
    assert registry.put_if_newer(tombstone)
    listed = registry.list_by_owner("alice")
    assert sorted(d.device_id for d in listed) == ["cam-0", "cam-1"]
    assert all(d.message_ttl_seconds == 30 and d.full_duplex_audio for d in listed)
    assert len(registry.list_by_owner("alice", limit=1)) == 1
    assert {d.device_id for d in registry.scan()} == {"cam-0", "cam-1", "cam-2", "cam-x"}


def test_check_in_is_stamped_at_most_once_per_interval(cloud_env: dict[str, str]) -> None:
    registry = Registry(cloud_env["REGISTRY_TABLE_NAME"])
    registry.put_if_newer(_device("cam-1", "alice", T0))
    assert registry.record_check_in("cam-1", now=1_000)
    assert not registry.record_check_in("cam-1", now=1_030)
    assert registry.record_check_in("cam-1", now=1_060)
    assert not registry.record_check_in("cam-unknown", now=1_060)
    stored = registry.get("cam-1")
    assert stored is not None
    assert stored.last_check_in == 1_060


def test_item_round_trips_through_dynamodb(cloud_env: dict[str, str]) -> None:
    device = _device("cam-1", "alice", T0, tags={"cost-center": "home"}, messageTtlSeconds=45)
    Registry(cloud_env["REGISTRY_TABLE_NAME"]).put_if_newer(device)
    raw = boto3.client("dynamodb").get_item(
        TableName=cloud_env["REGISTRY_TABLE_NAME"], Key={"deviceId": {"S": "cam-1"}}
    )["Item"]
    assert raw["ownerId"] == {"S": "alice"}
    assert Device.from_item(raw) == device


def test_the_item_records_the_cell_holding_the_channel(cloud_env: dict[str, str]) -> None:
    registry = Registry(cloud_env["REGISTRY_TABLE_NAME"])
    assert registry.put_if_newer(_device("cam-1", "alice", T0, cellId="cell-b"))
    stored = registry.get("cam-1")
    assert stored is not None
    assert stored.cell_id == "cell-b"
    # A deregistration's tombstone holds no channel, so no cell either.
    tombstone = Device.tombstone("cam-1", event_time_key(T0 + timedelta(seconds=1)), "e2", now=0)
    assert registry.put_if_newer(tombstone)
    gone = registry.get("cam-1")
    assert gone is not None
    assert gone.cell_id is None
