"""The camera's check-in time lands in the registry, at most once per interval."""

from __future__ import annotations

import time
from typing import Any

import pytest

from functions.common import aws_clients
from tests.device_config.conftest import Fleet, throttle_next


def count_calls(operation: str) -> list[str]:
    """Every `operation` the function's DynamoDB client sends from now on."""
    seen: list[str] = []

    def record(**_: Any) -> None:
        seen.append(operation)

    aws_clients.client("dynamodb").meta.events.register(f"before-call.dynamodb.{operation}", record)
    return seen


def test_first_request_records_the_check_in(fleet: Fleet) -> None:
    fleet.register("cam-1")
    before = int(time.time())

    assert fleet.config("cam-1").status == 200

    stamp = fleet.registry.get("cam-1", consistent=True)
    assert stamp is not None and stamp.last_check_in is not None
    assert before <= stamp.last_check_in <= int(time.time())


def test_requests_within_the_interval_cost_no_write(fleet: Fleet) -> None:
    fleet.register("cam-1")
    assert fleet.config("cam-1").status == 200
    first = fleet.registry.get("cam-1", consistent=True)
    updates = count_calls("UpdateItem")

    for _ in range(3):
        assert fleet.config("cam-1").status == 200

    assert updates == []
    assert fleet.registry.get("cam-1", consistent=True) == first


def test_a_new_check_in_after_the_interval(fleet: Fleet, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHECK_IN_INTERVAL_SECONDS", "1")
    fleet.register("cam-1")
    assert fleet.config("cam-1").status == 200
    first = fleet.registry.get("cam-1", consistent=True)
    assert first is not None and first.last_check_in is not None

    time.sleep(1.1)
    assert fleet.config("cam-1").status == 200

    second = fleet.registry.get("cam-1", consistent=True)
    assert second is not None and second.last_check_in is not None
    assert second.last_check_in > first.last_check_in


def test_a_camera_waiting_for_its_channel_is_still_checked_in(fleet: Fleet) -> None:
    fleet.register("cam-1", with_channel=False)
    assert fleet.config("cam-1").status == 409
    device = fleet.registry.get("cam-1", consistent=True)
    assert device is not None and device.last_check_in is not None


def test_unknown_and_deregistered_devices_leave_no_item(fleet: Fleet) -> None:
    camera = fleet.register("cam-1")
    fleet.deregister(camera)
    assert fleet.config("cam-1").status == 404
    assert fleet.config("cam-2").status == 404
    tombstone = fleet.registry.get("cam-1", consistent=True)
    assert tombstone is not None and tombstone.last_check_in is None
    assert fleet.registry.get("cam-2", consistent=True) is None


def test_a_throttled_check_in_does_not_cost_the_camera_its_config(fleet: Fleet) -> None:
    fleet.register("cam-1")
    throttle_next(aws_clients.client("dynamodb"), "UpdateItem", "ProvisionedThroughputExceededException")

    assert fleet.config("cam-1").status == 200

    device = fleet.registry.get("cam-1", consistent=True)
    assert device is not None and device.last_check_in is None
