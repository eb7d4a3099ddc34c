"""The registry additions the lifecycle relies on: event order, tombstones, put_if_current."""

from __future__ import annotations

import time

import boto3

from functions.common.registry.store import TOMBSTONE_RETENTION_SECONDS, Device, DeviceStatus, Registry
from localcloud import kvs
from tests.lifecycle.support import event, run_ids, sqs_event

CREATING_S = 1.0


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


def _viewer_endpoint(channel_arn: str) -> str:
    endpoints = boto3.client("kinesisvideo").get_signaling_channel_endpoint(
        ChannelARN=channel_arn,
        SingleMasterChannelEndpointConfiguration={"Protocols": ["HTTPS"], "Role": "VIEWER"},
    )["ResourceEndpointList"]
    return str(endpoints[0]["ResourceEndpoint"])


def test_registration_records_the_channels_viewer_endpoint(lifecycle: Registry) -> None:
    assert run_ids(sqs_event(event("DeviceRegistered", "cam-1", 0))) == []
    device = lifecycle.get("cam-1")
    assert device is not None and device.channel_arn is not None
    assert device.viewer_endpoint == _viewer_endpoint(device.channel_arn)


def test_a_channel_still_creating_is_recorded_without_endpoint_and_a_later_event_adds_it(
    lifecycle: Registry,
) -> None:
    kvs.set_creation_delay(CREATING_S)
    assert run_ids(sqs_event(event("DeviceRegistered", "cam-1", 0))) == []
    device = lifecycle.get("cam-1")
    assert device is not None and device.channel_arn is not None and device.viewer_endpoint is None

    # An item written before endpoints were recorded is in the same state: the next event fills it.
    time.sleep(CREATING_S)
    assert run_ids(sqs_event(event("DeviceUpdated", "cam-1", 5, friendlyName="Porch"))) == []
    updated = lifecycle.get("cam-1")
    assert updated is not None and updated.viewer_endpoint == _viewer_endpoint(device.channel_arn)
