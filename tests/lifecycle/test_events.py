"""The event models: what a valid lifecycle event is, and the clear reasons a bad one fails."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from functions.device_lifecycle.events import (
    MAX_EVENT_TAGS,
    DeviceDeregistered,
    DeviceRegistered,
    DeviceUpdated,
    parse_event,
)
from localcloud.aws.device_events import device_event
from tests.lifecycle.support import ACCOUNT


def _body(detail_type: str = "DeviceRegistered", **detail: Any) -> str:
    event = device_event("DeviceRegistered", {"deviceId": "cam-1", "ownerId": "u-1"}, account=ACCOUNT)
    event["detail-type"] = detail_type
    event["detail"] = detail
    return json.dumps(event)


def test_the_local_event_envelope_round_trips_through_the_parser() -> None:
    raw = device_event(
        "DeviceRegistered",
        {"deviceId": "cam-1", "ownerId": "u-1", "friendlyName": "Front door", "messageTtlSeconds": 30},
        account=ACCOUNT,
    )
    assert raw["detail-type"] == "DeviceRegistered" and raw["source"] == "camera.registry"
    parsed = parse_event(json.dumps(raw))
    assert isinstance(parsed, DeviceRegistered)
    assert parsed.detail.friendly_name == "Front door" and parsed.detail.message_ttl_seconds == 30
    assert parsed.order_key[1] == raw["id"]


def test_detail_type_selects_the_model() -> None:
    assert isinstance(parse_event(_body("DeviceUpdated", deviceId="cam-1", ownerId="u")), DeviceUpdated)
    deregistered = parse_event(_body("DeviceDeregistered", deviceId="cam-1"))
    assert isinstance(deregistered, DeviceDeregistered) and deregistered.detail.owner_id is None


def test_order_key_sorts_by_time_then_id() -> None:
    early = parse_event(
        json.dumps(
            device_event("DeviceUpdated", {"deviceId": "cam-1", "ownerId": "u"}, id="b", account=ACCOUNT)
        )
    )
    same_time_lower_id = parse_event(
        json.dumps(
            device_event(
                "DeviceUpdated",
                {"deviceId": "cam-1", "ownerId": "u"},
                time=early.time,
                id="a",
                account=ACCOUNT,
            )
        )
    )
    assert same_time_lower_id.order_key < early.order_key


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json", "Invalid JSON"),
        (_body("DeviceExploded", deviceId="cam-1", ownerId="u"), "does not match any of the expected tags"),
        (_body(ownerId="u"), "deviceId"),
        (_body(deviceId="cam-1"), "ownerId"),
        (_body("DeviceUpdated", deviceId="cam-1"), "ownerId"),
        (_body(deviceId="front door", ownerId="u"), "pattern"),
        # A dot is fine in a channel name but not in an Alexa endpointId.
        (_body(deviceId="cam.1", ownerId="u"), "pattern"),
        (_body(deviceId="c" * 65, ownerId="u"), "at most 64"),
        (_body(deviceId="c", ownerId="u"), "at least 2"),
        (_body(deviceId="cam-1", ownerId="u", messageTtlSeconds=121), "less than or equal to 120"),
        (_body(deviceId="cam-1", ownerId="u", messageTtlSeconds="60"), "valid integer"),
        (_body(deviceId="cam-1", ownerId="u", tags={"camera:device-id": "x"}), "managed"),
        (_body(deviceId="cam-1", ownerId="u", tags={"k": "bad\u0007"}), "tags may hold only"),
        (
            _body(deviceId="cam-1", ownerId="u", tags={f"k{i}": "v" for i in range(MAX_EVENT_TAGS + 1)}),
            "50-tag limit",
        ),
        (_body(deviceId="cam-1", ownerId="u", friendlyName="x" * 129), "at most 128"),
    ],
)
def test_bad_events_fail_with_a_reason(body: str, reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_event(body)
    assert reason in str(caught.value)


def test_the_most_event_tags_that_fit_are_accepted() -> None:
    tags = {f"k{i}": "v" for i in range(MAX_EVENT_TAGS)}
    assert parse_event(_body(deviceId="cam-1", ownerId="u", tags=tags)).detail.tags == tags
