"""Presence: connectivity in the registry, ChangeReports through the events function, ReportState."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from functions.common.registry.store import Connectivity
from tests.alexa_events.conftest import BOB
from tests.lifecycle.support import BASE_TIME
from tests.presence.conftest import ALICE, PresencePath, bus_event, iot_event

NOW = datetime.now(UTC).replace(microsecond=0)


def _registered(presence: PresencePath, device_id: str = "cam-1", **detail: object) -> None:
    presence.outbound.link(ALICE)
    presence.outbound.lifecycle("DeviceRegistered", device_id, 0, ALICE, **detail)
    presence.outbound.deliver()  # the AddOrUpdateReport


def test_each_change_is_one_change_report_with_the_event_time_and_cause(presence: PresencePath) -> None:
    _registered(presence)
    assert presence.run(bus_event("DeviceConnected", "cam-1", NOW - timedelta(seconds=20))) == []
    assert presence.outbound.deliver() == []
    down = NOW - timedelta(seconds=10)
    assert presence.run(bus_event("DeviceDisconnected", "cam-1", down, reason="power")) == []
    assert presence.outbound.deliver() == []

    assert presence.connectivity_reports("cam-1") == [
        ("OK", "PHYSICAL_INTERACTION"),
        ("UNREACHABLE", "PHYSICAL_INTERACTION"),
    ]
    last = presence.reports("cam-1")[-1]["event"]
    (prop,) = last["payload"]["change"]["properties"]
    assert prop["timeOfSample"] == down.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert last["endpoint"]["endpointId"] == "cam-1"
    device = presence.device("cam-1")
    assert device.connectivity is Connectivity.UNREACHABLE
    assert device.reported_connectivity is Connectivity.UNREACHABLE


def test_a_late_connected_never_overrides_a_newer_disconnected(presence: PresencePath) -> None:
    _registered(presence)
    connected = bus_event("DeviceConnected", "cam-1", NOW - timedelta(seconds=30))
    disconnected = bus_event("DeviceDisconnected", "cam-1", NOW - timedelta(seconds=10))
    late = bus_event("DeviceConnected", "cam-1", NOW - timedelta(seconds=20))
    assert presence.run(disconnected, connected, late) == []
    assert presence.outbound.deliver() == []
    assert presence.device("cam-1").connectivity is Connectivity.UNREACHABLE
    assert presence.connectivity_reports("cam-1") == [("UNREACHABLE", "PHYSICAL_INTERACTION")]


def test_duplicates_and_flapping_report_each_value_change_once(presence: PresencePath) -> None:
    _registered(presence)
    up = bus_event("DeviceConnected", "cam-1", NOW - timedelta(seconds=30))
    assert presence.run(up, up) == []
    assert presence.run(up) == []  # a redelivery of the event applied last is announced again
    assert presence.outbound.deliver() == []
    assert presence.connectivity_reports("cam-1") == [("OK", "PHYSICAL_INTERACTION")]
    # Off and on again before the events function runs: Alexa last heard OK, the camera is OK.
    assert presence.run(bus_event("DeviceDisconnected", "cam-1", NOW - timedelta(seconds=20))) == []
    assert presence.run(bus_event("DeviceConnected", "cam-1", NOW - timedelta(seconds=10))) == []
    assert presence.outbound.deliver() == []
    assert presence.connectivity_reports("cam-1") == [("OK", "PHYSICAL_INTERACTION")]


def test_unknown_or_deregistered_devices_change_nothing_and_fail_nothing(presence: PresencePath) -> None:
    _registered(presence)
    presence.outbound.lifecycle("DeviceDeregistered", "cam-1", 5, None)
    assert (
        presence.run(
            bus_event("DeviceConnected", "cam-unknown", NOW), bus_event("DeviceDisconnected", "cam-1", NOW)
        )
        == []
    )
    assert presence.registry.get("cam-unknown") is None
    assert presence.device("cam-1").connectivity is None
    presence.outbound.deliver()
    assert presence.connectivity_reports("cam-1") == []


def test_lifecycle_updates_keep_presence(presence: PresencePath) -> None:
    _registered(presence)
    assert presence.run(bus_event("DeviceConnected", "cam-1", NOW)) == []
    presence.outbound.lifecycle("DeviceUpdated", "cam-1", 10, ALICE, friendlyName="Porch")
    device = presence.device("cam-1")
    assert device.friendly_name == "Porch"
    assert device.connectivity is Connectivity.OK
    assert device.connected_at == int(NOW.timestamp())


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("not json", "body"),
        (json.dumps(bus_event("DeviceConnected", "bad.id", NOW)), "deviceId"),
        (json.dumps({**bus_event("DeviceConnected", "cam-1", NOW), "source": "evil"}), "source"),
        (json.dumps({**bus_event("DeviceConnected", "cam-1", NOW), "account": "999999999999"}), "account"),
        (json.dumps(bus_event("DeviceConnected", "cam-1", NOW + timedelta(hours=1))), "future"),
        (json.dumps(iot_event("cam-1", "connected", NOW + timedelta(hours=1))), "future"),
        (json.dumps({**iot_event("cam-1", "connected", NOW), "eventType": "subscribed"}), "eventType"),
    ],
)
def test_bad_or_untrusted_records_fail_with_one_clear_line(
    presence: PresencePath, caplog: pytest.LogCaptureFixture, body: str, why: str
) -> None:
    _registered(presence)
    caplog.clear()
    assert len(presence.run(body)) == 1
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1
    assert why in getattr(errors[0], "reason", "")
    assert presence.device("cam-1").connectivity is None


def test_iot_core_presence_payloads_are_applied_in_their_order(presence: PresencePath) -> None:
    _registered(presence)
    connected = iot_event("cam-1", "connected", NOW - timedelta(seconds=5), version=7)
    disconnected = iot_event("cam-1", "disconnected", NOW - timedelta(seconds=2), version=7)
    assert presence.run(connected) == []
    assert presence.device("cam-1").connectivity is Connectivity.OK
    assert presence.run(disconnected, connected) == []  # the late connect is ignored
    assert presence.device("cam-1").connectivity is Connectivity.UNREACHABLE
    assert presence.outbound.deliver() == []
    assert presence.connectivity_reports("cam-1") == [("UNREACHABLE", "PHYSICAL_INTERACTION")]


def test_discovery_declares_connectivity_proactively_reported(presence: PresencePath) -> None:
    _registered(presence)
    (report,) = [m for _, m in presence.outbound.alexa.gateway.accepted]
    (endpoint,) = report["event"]["payload"]["endpoints"]
    health = next(c for c in endpoint["capabilities"] if c["interface"] == "Alexa.EndpointHealth")
    assert health["properties"]["proactivelyReported"] is True


def test_presence_from_before_a_deregistration_never_reaches_the_next_registration(
    presence: PresencePath,
) -> None:
    _registered(presence)
    presence.outbound.lifecycle("DeviceDeregistered", "cam-1", 10, None)
    presence.outbound.link(BOB)
    presence.outbound.lifecycle("DeviceRegistered", "cam-1", 20, BOB)
    # Delayed from Alice's era (dated before the deregistration), delivered in Bob's.
    before = BASE_TIME + timedelta(seconds=5)
    late = [
        bus_event("DeviceConnected", "cam-1", before),
        bus_event("DeviceDisconnected", "cam-1", before),
        iot_event("cam-1", "connected", before, version=3),
    ]
    assert presence.run(*late) == []
    device = presence.device("cam-1")
    assert (device.owner_id, device.connectivity) == (BOB, None)
    presence.outbound.deliver()
    assert presence.connectivity_reports("cam-1") == []
    # Bob's camera connecting is applied as ever.
    assert presence.run(bus_event("DeviceConnected", "cam-1", NOW)) == []
    assert presence.device("cam-1").connectivity is Connectivity.OK
