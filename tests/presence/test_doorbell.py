"""Doorbells: discovered as CAMERA then DOORBELL; a press becomes one DoorbellPress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from functions.common.settings import ConfigurationError
from tests.alexa_events.conftest import BOB
from tests.lifecycle.support import BASE_TIME, emitted_metrics
from tests.presence.conftest import ALICE, PresencePath, bus_event


def _just_pressed() -> datetime:
    """A few seconds ago, taken when the test runs: a press older than 30 s never rings."""
    return datetime.now(UTC).replace(microsecond=250_000) - timedelta(seconds=3)


def test_a_doorbell_is_reported_as_camera_then_doorbell_with_its_event_source(presence: PresencePath) -> None:
    presence.outbound.link(ALICE)
    presence.outbound.lifecycle("DeviceRegistered", "door", 0, ALICE, doorbell=True)
    presence.outbound.lifecycle("DeviceRegistered", "garden", 0, ALICE)
    assert presence.outbound.deliver() == []
    endpoints = {
        m["event"]["payload"]["endpoints"][0]["endpointId"]: m["event"]["payload"]["endpoints"][0]
        for _, m in presence.outbound.alexa.gateway.accepted
    }
    door, garden = endpoints["door"], endpoints["garden"]
    assert door["displayCategories"] == ["CAMERA", "DOORBELL"]
    source = [c for c in door["capabilities"] if c["interface"] == "Alexa.DoorbellEventSource"]
    assert source == [
        {
            "type": "AlexaInterface",
            "interface": "Alexa.DoorbellEventSource",
            "version": "3",
            "proactivelyReported": True,
        }
    ]
    assert "Alexa.RTCSessionController" in {c["interface"] for c in door["capabilities"]}
    assert garden["displayCategories"] == ["CAMERA"]
    assert "Alexa.DoorbellEventSource" not in {c["interface"] for c in garden["capabilities"]}


def test_a_press_is_one_doorbell_press_at_the_press_time(presence: PresencePath) -> None:
    presence.outbound.link(ALICE)
    presence.outbound.lifecycle("DeviceRegistered", "door", 0, ALICE, doorbell=True)
    pressed_at = _just_pressed()
    press = bus_event("DoorbellPressed", "door", pressed_at)
    assert presence.run(press) == []
    assert presence.run(press) == []  # SQS delivers it again: it rings once
    assert presence.outbound.deliver() == []
    (event,) = [m["event"] for m in presence.reports("door")]
    assert (event["header"]["namespace"], event["header"]["name"]) == (
        "Alexa.DoorbellEventSource",
        "DoorbellPress",
    )
    assert event["payload"] == {
        "cause": {"type": "PHYSICAL_INTERACTION"},
        "timestamp": pressed_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    assert event["endpoint"]["endpointId"] == "door"


@pytest.mark.parametrize(
    ("device_id", "why"), [("garden", "not a doorbell"), ("nobody", "not a registered camera")]
)
def test_a_press_of_no_doorbell_fails_with_one_clear_line(
    presence: PresencePath, caplog: pytest.LogCaptureFixture, device_id: str, why: str
) -> None:
    presence.outbound.link(ALICE)
    presence.outbound.lifecycle("DeviceRegistered", "garden", 0, ALICE)
    presence.outbound.deliver()
    caplog.clear()
    assert len(presence.run(bus_event("DoorbellPressed", device_id, _just_pressed()))) == 1
    (error,) = [r for r in caplog.records if r.levelname == "ERROR"]
    assert why in getattr(error, "reason", "")
    assert device_id in getattr(error, "reason", "")
    assert presence.queued() == 0


def test_a_doorbell_that_stops_being_one_rings_no_more(presence: PresencePath) -> None:
    presence.outbound.link(ALICE)
    presence.outbound.lifecycle("DeviceRegistered", "door", 0, ALICE, doorbell=True)
    presence.outbound.lifecycle("DeviceUpdated", "door", 5, ALICE, doorbell=False)
    assert len(presence.run(bus_event("DoorbellPressed", "door", _just_pressed()))) == 1


def _door(presence: PresencePath, owner: str = ALICE) -> None:
    presence.outbound.link(owner)
    presence.outbound.lifecycle("DeviceRegistered", "door", 0, owner, doorbell=True)
    assert presence.outbound.deliver() == []


def _presses(presence: PresencePath) -> list[str]:
    names = [m["event"]["header"]["name"] for m in presence.reports("door")]
    return [n for n in names if n == "DoorbellPress"]


def test_a_press_rings_only_the_owner_at_press_time(
    presence: PresencePath, capsys: pytest.CaptureFixture[str]
) -> None:
    _door(presence)
    presence.outbound.link(BOB)
    assert presence.run(bus_event("DoorbellPressed", "door", _just_pressed())) == []
    waiting = presence.outbound.queued()  # Alice's press waits on the events queue...
    presence.outbound.lifecycle("DeviceUpdated", "door", 5, BOB)  # ...while the camera moves to Bob
    capsys.readouterr()
    assert presence.outbound.send(waiting) == []
    assert _presses(presence) == []
    assert emitted_metrics(capsys.readouterr().out).get("DoorbellPressesOwnerChanged") == 1


def test_a_press_from_before_the_owner_changed_never_rings_the_new_owner(
    presence: PresencePath, capsys: pytest.CaptureFixture[str]
) -> None:
    _door(presence)
    presence.outbound.link(BOB)
    presence.outbound.lifecycle("DeviceUpdated", "door", 5, BOB)
    assert presence.outbound.deliver() == []
    # Pressed in Alice's time, processed in Bob's: dropped before it reaches the events queue.
    capsys.readouterr()
    assert presence.run(bus_event("DoorbellPressed", "door", BASE_TIME + timedelta(seconds=3))) == []
    assert emitted_metrics(capsys.readouterr().out).get("DoorbellPressesOwnerChanged") == 1
    assert presence.queued() == 0


def test_an_old_press_never_rings_and_is_counted(
    presence: PresencePath, capsys: pytest.CaptureFixture[str]
) -> None:
    _door(presence)
    old = bus_event("DoorbellPressed", "door", datetime.now(UTC) - timedelta(hours=1))
    assert presence.run(old) == []
    capsys.readouterr()
    assert presence.outbound.deliver() == []
    assert _presses(presence) == []
    assert emitted_metrics(capsys.readouterr().out).get("DoorbellPressesTooOld") == 1
    # A press within the default 30 s still rings.
    assert presence.run(bus_event("DoorbellPressed", "door", datetime.now(UTC) - timedelta(seconds=20))) == []
    assert presence.outbound.deliver() == []
    assert _presses(presence) == ["DoorbellPress"]


def test_the_maximum_press_age_is_configurable(
    presence: PresencePath, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOORBELL_MAX_PRESS_AGE_SECONDS", "5")
    _door(presence)
    assert presence.run(bus_event("DoorbellPressed", "door", datetime.now(UTC) - timedelta(seconds=10))) == []
    assert presence.outbound.deliver() == []
    assert _presses(presence) == []


@pytest.mark.parametrize("value", ["0", "-1", "ten", "86401"])
def test_a_bad_maximum_press_age_fails_at_start_naming_the_variable(
    presence: PresencePath, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    from functions.alexa_events.settings import EventsSettings

    monkeypatch.setenv("DOORBELL_MAX_PRESS_AGE_SECONDS", value)
    with pytest.raises(ConfigurationError, match="DOORBELL_MAX_PRESS_AGE_SECONDS"):
        EventsSettings.load()
