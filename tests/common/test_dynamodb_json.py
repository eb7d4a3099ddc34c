"""The attribute-value JSON of the project's items: what boto3's serializer wrote, read back as
plain values; anything outside the stores' schemas refused."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from functions.common import dynamodb_json
from functions.common.registry.store import Connectivity, Device

PLAIN: dict[str, Any] = {
    "deviceId": "cam-1",
    "friendlyName": "",
    "doorbell": True,
    "snapshots": False,
    "messageTtlSeconds": 60,
    "lastCheckIn": 1_767_225_600,
    "offset": -3,
    "classes": ["person", "package"],
    "empty": [],
    "tags": {"owner": "a", "nested": {"n": 1, "l": [True, "x"]}},
    "gone": None,
}


def test_items_are_written_as_boto3_wrote_them() -> None:
    serializer = TypeSerializer()
    assert dynamodb_json.to_item(PLAIN) == {k: serializer.serialize(v) for k, v in PLAIN.items()}


def test_items_written_by_boto3_read_back_with_integers() -> None:
    item = {k: TypeSerializer().serialize(v) for k, v in PLAIN.items()}
    plain = dynamodb_json.from_item(item)
    assert plain == PLAIN
    assert type(plain["lastCheckIn"]) is int
    assert plain == {k: _ints(TypeDeserializer().deserialize(v)) for k, v in item.items()}


def test_a_device_round_trips() -> None:
    device = Device(
        device_id="cam-1",
        owner_id="owner",
        tags={"a": "b"},
        object_detection_classes=["person"],
        message_ttl_seconds=60,
        connectivity=Connectivity.OK,
        doorbell=True,
    )
    assert Device.from_item(device.to_item()) == device


@pytest.mark.parametrize("value", [1.5, Decimal("1"), b"x", {"a"}, object()])
def test_values_outside_the_schemas_are_refused(value: object) -> None:
    with pytest.raises(ValueError, match="no DynamoDB attribute"):
        dynamodb_json.to_attribute(value)


def test_a_map_key_is_a_string() -> None:
    with pytest.raises(ValueError, match="map key"):
        dynamodb_json.to_attribute({1: "a"})


@pytest.mark.parametrize("number", ["1.5", "1e3", "", "-", "\u0661", " 1", 7])
def test_numbers_other_than_integers_are_refused(number: object) -> None:
    with pytest.raises(ValueError, match="not an integer"):
        dynamodb_json.from_attribute({"N": number})


@pytest.mark.parametrize(
    "attribute",
    [{"SS": ["a"]}, {"NS": ["1"]}, {"B": b"x"}, {"BS": [b"x"]}, {}, {"S": "a", "N": "1"}, {"BOOL": "true"}],
)
def test_other_attribute_types_are_refused(attribute: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        dynamodb_json.from_attribute(attribute)


def _ints(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, list):
        return [_ints(v) for v in value]
    if isinstance(value, dict):
        return {k: _ints(v) for k, v in value.items()}
    return value
