"""Untrusted input: refused when parsed, before anything is written, and never logged at length."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.presence.conftest import ALICE, PresencePath, bus_event

NOW = datetime.now(UTC).replace(microsecond=0)
# Longer than any line should quote: a log line carries at most 64 characters of a value.
HUGE = "x" * 200_000


def _registered(presence: PresencePath) -> None:
    presence.outbound.link(ALICE)
    presence.outbound.lifecycle("DeviceRegistered", "door", 0, ALICE, doorbell=True)
    presence.outbound.deliver()


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(json.dumps(r.__dict__, default=str) for r in caplog.records)


@pytest.mark.parametrize("detail_type", ["DeviceConnected", "DoorbellPressed"])
@pytest.mark.parametrize(
    "envelope",
    [
        {"id": "i" * 300},
        {"source": "s" * 300},
        {"region": "r" * 300},
        {"version": "v" * 300},
        {"resources": ["a" * 3000]},
        {"replay-name": "n" * 300},
    ],
    ids=["id", "source", "region", "version", "resources", "replay-name"],
)
def test_an_oversized_envelope_field_is_refused_before_anything_is_written(
    presence: PresencePath, caplog: pytest.LogCaptureFixture, detail_type: str, envelope: dict[str, Any]
) -> None:
    _registered(presence)
    caplog.clear()
    body = bus_event(detail_type, "door", NOW - timedelta(seconds=2)) | envelope
    assert len(presence.run(body)) == 1
    (error,) = [r for r in caplog.records if r.levelname == "ERROR"]
    assert error.getMessage() == "malformed presence record rejected"
    assert next(iter(envelope)) in getattr(error, "reason", "")
    device = presence.device("door")
    assert (device.connectivity, device.presence_time, device.last_press_time) == (None, None, None)
    assert presence.queued() == 0


@pytest.mark.parametrize(
    "field", ["source", "detail-type", "account", "id", "time"], ids=lambda f: f"huge-{f}"
)
def test_a_huge_value_is_cut_in_the_log(
    presence: PresencePath, caplog: pytest.LogCaptureFixture, field: str
) -> None:
    _registered(presence)
    caplog.clear()
    assert len(presence.run(bus_event("DeviceConnected", "door", NOW) | {field: HUGE})) == 1
    assert "x" * 65 not in _logged(caplog)


def test_an_untrusted_source_is_named_cut_to_64_characters(
    presence: PresencePath, caplog: pytest.LogCaptureFixture
) -> None:
    _registered(presence)
    caplog.clear()
    source = "evil." + "y" * 200
    assert len(presence.run(bus_event("DeviceConnected", "door", NOW) | {"source": source})) == 1
    (error,) = [r for r in caplog.records if r.levelname == "ERROR"]
    reason = getattr(error, "reason", "")
    assert "evil.yyy" in reason
    assert "y" * 60 not in reason
