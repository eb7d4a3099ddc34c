"""The sweep: a camera silent for longer than the window is reported unreachable, once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from functions.common import aws_clients
from functions.common.registry import Connectivity
from functions.presence_sweep.dependencies import dependencies as sweep_dependencies
from tests.presence.conftest import ALICE, PresencePath, bus_event

WINDOW = 600


@pytest.fixture
def fleet(presence: PresencePath, monkeypatch: pytest.MonkeyPatch) -> PresencePath:
    monkeypatch.setenv("CHECK_IN_WINDOW_SECONDS", str(WINDOW))
    presence.outbound.link(ALICE)
    now = datetime.now(UTC)
    for device_id, connected_ago in (("silent", WINDOW + 60), ("fresh", 30), ("checked-in", WINDOW + 60)):
        presence.outbound.lifecycle("DeviceRegistered", device_id, 0, ALICE)
        when = now - timedelta(seconds=connected_ago)
        assert presence.run(bus_event("DeviceConnected", device_id, when)) == []
    presence.registry.record_check_in("checked-in", int(time.time()) - 10)
    assert presence.outbound.deliver() == []
    return presence


def test_the_sweep_reports_a_silent_camera_once(fleet: PresencePath) -> None:
    assert fleet.sweep() == {"marked": 1, "complete": True}
    assert fleet.sweep() == {"marked": 0, "complete": True}
    assert fleet.outbound.deliver() == []
    assert fleet.connectivity_reports("silent") == [
        ("OK", "PHYSICAL_INTERACTION"),
        ("UNREACHABLE", "PERIODIC_POLL"),
    ]
    assert fleet.connectivity_reports("fresh") == [("OK", "PHYSICAL_INTERACTION")]
    assert fleet.connectivity_reports("checked-in") == [("OK", "PHYSICAL_INTERACTION")]
    assert fleet.device("silent").connectivity is Connectivity.UNREACHABLE
    # Its next connection brings it back.
    assert fleet.run(bus_event("DeviceConnected", "silent", datetime.now(UTC))) == []
    assert fleet.outbound.deliver() == []
    assert fleet.connectivity_reports("silent")[-1] == ("OK", "PHYSICAL_INTERACTION")


def test_the_window_is_validated_at_start() -> None:
    # Lambda's INIT imports the handler: a bad window fails the start, before any invocation.
    env = {**os.environ, "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand", "CHECK_IN_WINDOW_SECONDS": "5"}
    result = subprocess.run(
        [sys.executable, "-c", "import functions.presence_sweep.handler"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "ConfigurationError: invalid configuration:" in result.stderr
    assert "CHECK_IN_WINDOW_SECONDS: Input should be greater than or equal to 60 (got '5')" in result.stderr


def test_the_sweep_leaves_canary_cameras_alone(fleet: PresencePath, monkeypatch: pytest.MonkeyPatch) -> None:
    # A silent canary camera is the canary's to report (its own alarm), not a customer's outage.
    monkeypatch.setenv("CANARY_DEVICE_IDS", "silent,canary-elsewhere")
    sweep_dependencies.cache_clear()

    assert fleet.sweep() == {"marked": 0, "complete": True}
    assert fleet.device("silent").connectivity is Connectivity.OK


def _read_counter() -> list[int]:
    """Items DynamoDB read for the sweep's listing (ScannedCount of each Scan or Query page)."""
    read = [0]

    def count(parsed: dict[str, Any], **_: Any) -> None:
        read[0] += int(parsed.get("ScannedCount", 0))

    client = aws_clients.client("dynamodb")  # the container's client, which the sweep uses
    client.meta.events.register("after-call.dynamodb.Scan", count)
    client.meta.events.register("after-call.dynamodb.Query", count)
    return read


def _connected(fleet: PresencePath, device_id: str, ago: int) -> None:
    fleet.outbound.lifecycle("DeviceRegistered", device_id, 0, ALICE)
    when = datetime.now(UTC) - timedelta(seconds=ago)
    assert fleet.run(bus_event("DeviceConnected", device_id, when)) == []


def test_items_read_per_sweep_follow_the_due_cameras_not_the_table(fleet: PresencePath) -> None:
    read = _read_counter()
    for n in range(40):
        _connected(fleet, f"quiet-{n}", ago=30)
    for n in range(2):
        _connected(fleet, f"due-{n}", ago=WINDOW + 60)
    assert fleet.outbound.deliver() == []

    assert fleet.sweep() == {"marked": 3, "complete": True}  # the fleet's "silent" and the two
    first = read[0]
    assert fleet.sweep() == {"marked": 0, "complete": True}
    nothing_due = read[0] - first
    for n in range(40, 120):
        _connected(fleet, f"quiet-{n}", ago=30)
    _connected(fleet, "due-late", ago=WINDOW + 60)
    assert fleet.sweep() == {"marked": 1, "complete": True}
    bigger_table = read[0] - first - nothing_due

    # 45 then 126 cameras: the reads follow the cameras due (3, 0, 1), not the table.
    assert (first, nothing_due, bigger_table) == (3, 0, 1)
