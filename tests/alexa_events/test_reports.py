"""Proactive discovery end to end: lifecycle events → events queue → events function → gateway."""

from __future__ import annotations

import json
import warnings

import pytest

from functions.common.alexa.outbound import ConnectivityChanged, EndpointChanged
from localcloud.alexa import schema as alexa_schema
from tests.alexa_events.conftest import ALICE, BOB, Outbound

pytestmark = pytest.mark.usefixtures("official_schema")

DETAIL = {
    "friendlyName": "Front door",
    "manufacturerName": "Acme",
    "model": "C1",
    "serialNumber": "SN-0001",
    "firmwareVersion": "1.4.2",
}


def test_a_registered_camera_reaches_alexa_with_its_additional_attributes(outbound: Outbound) -> None:
    outbound.link(ALICE)
    outbound.lifecycle("DeviceRegistered", "cam-1", 0, ALICE, **DETAIL)
    assert outbound.deliver() == []
    endpoint = outbound.alexa.gateway.endpoints(ALICE)["cam-1"]
    assert endpoint["friendlyName"] == "Front door"
    assert endpoint["additionalAttributes"] == {
        "manufacturer": "Acme",
        "model": "C1",
        "serialNumber": "SN-0001",
        "firmwareVersion": "1.4.2",
    }
    assert outbound.sent() == [(ALICE, "AddOrUpdateReport")]
    # One gateway call, no LWA call: the token from the grant is fresh.
    assert sum(outbound.alexa.gateway.calls.values()) == 1
    assert outbound.alexa.lwa.calls["refresh_token"] == 0


def test_a_deregistered_camera_leaves_alexa_through_delete_report(outbound: Outbound) -> None:
    outbound.link(ALICE)
    outbound.lifecycle("DeviceRegistered", "cam-1", 0, ALICE, **DETAIL)
    outbound.deliver()
    outbound.lifecycle("DeviceDeregistered", "cam-1", 10, ALICE)
    assert outbound.deliver() == []
    assert outbound.alexa.gateway.endpoints(ALICE) == {}
    assert outbound.sent("cam-1") == [(ALICE, "AddOrUpdateReport"), (ALICE, "DeleteReport")]
    delete = outbound.alexa.gateway.accepted[-1][1]
    assert delete["event"]["payload"]["endpoints"] == [{"endpointId": "cam-1"}]
    assert alexa_schema.errors(delete) == []


def test_an_owner_change_deletes_for_the_old_owner_and_adds_for_the_new(outbound: Outbound) -> None:
    outbound.link(ALICE)
    outbound.link(BOB)
    outbound.lifecycle("DeviceRegistered", "cam-1", 0, ALICE, **DETAIL)
    outbound.deliver()
    outbound.lifecycle("DeviceUpdated", "cam-1", 10, BOB)
    assert outbound.deliver() == []
    assert outbound.alexa.gateway.endpoints(ALICE) == {}
    assert set(outbound.alexa.gateway.endpoints(BOB)) == {"cam-1"}
    assert sorted(outbound.sent("cam-1")[1:]) == [(ALICE, "DeleteReport"), (BOB, "AddOrUpdateReport")]


def test_out_of_order_messages_never_resurrect_a_deleted_camera(outbound: Outbound) -> None:
    outbound.link(ALICE)
    outbound.lifecycle("DeviceRegistered", "cam-1", 0, ALICE, **DETAIL)
    registered = outbound.queued()
    outbound.lifecycle("DeviceDeregistered", "cam-1", 10, ALICE)
    deregistered = outbound.queued()
    # The deregistration's message is handled first, the registration's one arrives late.
    assert outbound.send(deregistered) == []
    assert outbound.send(registered) == []
    assert outbound.alexa.gateway.endpoints(ALICE) == {}
    assert outbound.sent("cam-1") == [(ALICE, "DeleteReport"), (ALICE, "DeleteReport")]


def test_late_lifecycle_events_announce_nothing_new(outbound: Outbound) -> None:
    outbound.link(ALICE)
    outbound.lifecycle("DeviceDeregistered", "cam-1", 10, ALICE)
    outbound.lifecycle("DeviceRegistered", "cam-1", 0, ALICE, **DETAIL)  # older: skipped
    assert outbound.deliver() == []
    assert outbound.alexa.gateway.endpoints(ALICE) == {}
    assert (ALICE, "AddOrUpdateReport") not in outbound.sent()


def test_an_owner_who_never_linked_is_skipped_and_the_record_succeeds(outbound: Outbound) -> None:
    outbound.lifecycle("DeviceRegistered", "cam-1", 0, ALICE, **DETAIL)
    assert outbound.deliver() == []
    assert outbound.sent() == []
    assert sum(outbound.alexa.gateway.calls.values()) == 0


def test_a_malformed_message_fails_towards_the_dead_letter_queue(outbound: Outbound) -> None:
    good = EndpointChanged(device_id="cam-1", owners=[ALICE], event_id="e-1").model_dump_json(by_alias=True)
    messages = [
        {"MessageId": "bad", "ReceiptHandle": "h1", "Body": "{not json", "MD5OfBody": "x"},
        {
            "MessageId": "bad-id",
            "ReceiptHandle": "h2",
            "Body": json.dumps({"deviceId": "a.b"}),
            "MD5OfBody": "x",
        },
        {"MessageId": "good", "ReceiptHandle": "h3", "Body": good, "MD5OfBody": "x"},
    ]
    assert sorted(outbound.send(messages)) == ["bad", "bad-id"]


def test_an_invocation_with_nothing_to_send_still_publishes_its_metrics(
    outbound: Outbound, capsys: pytest.CaptureFixture[str]
) -> None:
    outbound.link(ALICE)
    outbound.lifecycle("DeviceRegistered", "cam-1", 0, ALICE, **DETAIL)
    assert outbound.deliver() == []
    # Alexa already has the camera's connectivity (none reported yet): nothing to send.
    body = ConnectivityChanged(device_id="cam-1", event_id="e-1").model_dump_json(by_alias=True)
    capsys.readouterr()
    with warnings.catch_warnings():
        # Powertools warns of an invocation that publishes no metric.
        warnings.simplefilter("error")
        assert outbound.send([{"MessageId": "m", "ReceiptHandle": "h", "Body": body, "MD5OfBody": "x"}]) == []
    assert outbound.sent() == [(ALICE, "AddOrUpdateReport")]
    assert '"RecordsReceived":[1.0]' in capsys.readouterr().out
