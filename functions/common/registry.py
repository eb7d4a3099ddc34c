"""Data access for the device registry table (DynamoDB), shared by every function.

One item per device, keyed by deviceId. Writes from registration events are conditional on the
event order (time, then id), so duplicates and late deliveries never overwrite newer state.
Deregistration leaves a tombstone (status DEREGISTERED, no ownerId, expiring) so that a late
`DeviceRegistered` cannot resurrect the camera.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from pydantic import BaseModel, ConfigDict, Field

from functions.common import aws_clients
from functions.common.registry_schema import EXPIRES_AT, OWNER_INDEX, OWNER_KEY, PARTITION_KEY

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

MAX_ENDPOINTS_PER_DISCOVERY = 300
# Tombstones outlive any redelivery of an older event (SQS keeps messages at most 14 days).
TOMBSTONE_RETENTION_SECONDS = 15 * 24 * 3600
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


class DeviceStatus(StrEnum):
    ACTIVE = "ACTIVE"
    DEREGISTERED = "DEREGISTERED"


class Device(BaseModel):
    """A registry item. Field aliases are the DynamoDB attribute names."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    device_id: str = Field(alias=PARTITION_KEY)
    owner_id: str | None = Field(default=None, alias=OWNER_KEY)
    status: DeviceStatus = Field(default=DeviceStatus.ACTIVE, alias="status")
    channel_name: str | None = Field(default=None, alias="channelName")
    channel_arn: str | None = Field(default=None, alias="channelArn")
    # The channel's HTTPS endpoint for role VIEWER, recorded by the lifecycle function when it
    # could read it (stable for the channel's life): the skill then needs no control-plane call.
    viewer_endpoint: str | None = Field(default=None, alias="viewerEndpoint")
    friendly_name: str | None = Field(default=None, alias="friendlyName")
    manufacturer_name: str | None = Field(default=None, alias="manufacturerName")
    model: str | None = Field(default=None, alias="model")
    serial_number: str | None = Field(default=None, alias="serialNumber")
    firmware_version: str | None = Field(default=None, alias="firmwareVersion")
    software_version: str | None = Field(default=None, alias="softwareVersion")
    description: str | None = Field(default=None, alias="description")
    full_duplex_audio: bool = Field(default=False, alias="fullDuplexAudio")
    message_ttl_seconds: int | None = Field(default=None, alias="messageTtlSeconds")
    tags: dict[str, str] = Field(default_factory=dict, alias="tags")
    last_event_time: str | None = Field(default=None, alias="lastEventTime")
    last_event_id: str | None = Field(default=None, alias="lastEventId")
    last_check_in: int | None = Field(default=None, alias="lastCheckIn")
    expires_at: int | None = Field(default=None, alias=EXPIRES_AT)

    @property
    def is_active(self) -> bool:
        return self.status is DeviceStatus.ACTIVE

    @property
    def order_key(self) -> tuple[str, str]:
        """(time, id) of the last event applied to this item; compare with an event's own."""
        return self.last_event_time or "", self.last_event_id or ""

    @classmethod
    def tombstone(cls, device_id: str, event_time: str, event_id: str, now: int) -> Device:
        """What a deregistration leaves: no owner, no channel, expiring after the retention."""
        return cls(
            device_id=device_id,
            status=DeviceStatus.DEREGISTERED,
            last_event_time=event_time,
            last_event_id=event_id,
            expires_at=now + TOMBSTONE_RETENTION_SECONDS,
        )

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Device:
        plain = {k: _deserializer.deserialize(v) for k, v in item.items()}
        # DynamoDB numbers come back as Decimal.
        for key in ("messageTtlSeconds", "lastCheckIn", EXPIRES_AT):
            if plain.get(key) is not None:
                plain[key] = int(plain[key])
        return cls.model_validate(plain)

    def to_item(self) -> dict[str, Any]:
        plain = self.model_dump(by_alias=True, exclude_none=True, mode="json")
        return {k: _serializer.serialize(v) for k, v in plain.items()}


def event_time_key(time: datetime) -> str:
    """A fixed-width UTC timestamp, so DynamoDB's string comparison orders events by time.

    The year is padded by hand: `%Y` gives "999", not "0999", on glibc, and "999-..." sorts after
    "2026-...". Years 1 to 9999 (all a datetime holds) then sort in order."""
    utc = time.astimezone(UTC)
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S.%f}Z"


# The item is written only if no newer event was applied: (time, id) strictly greater wins.
_NEWER_EVENT = (
    "attribute_not_exists(deviceId) OR lastEventTime < :t OR (lastEventTime = :t AND lastEventId < :i)"
)
_SAME_EVENT = "lastEventTime = :t AND lastEventId = :i"


class Registry:
    def __init__(self, table_name: str, dynamodb: DynamoDBClient | None = None) -> None:
        self.table_name = table_name
        self._ddb = dynamodb if dynamodb is not None else aws_clients.client("dynamodb")

    def get(self, device_id: str, *, consistent: bool = False) -> Device | None:
        """The device's item (tombstones included), or None."""
        response = self._ddb.get_item(
            TableName=self.table_name, Key={PARTITION_KEY: {"S": device_id}}, ConsistentRead=consistent
        )
        item = response.get("Item")
        return Device.from_item(item) if item else None

    def list_by_owner(self, owner_id: str, limit: int = MAX_ENDPOINTS_PER_DISCOVERY) -> list[Device]:
        """The owner's live cameras (the owner index holds no tombstones), at most `limit`."""
        devices: list[Device] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": OWNER_INDEX,
            "KeyConditionExpression": "#o = :o",
            "ExpressionAttributeNames": {"#o": OWNER_KEY},
            "ExpressionAttributeValues": {":o": {"S": owner_id}},
        }
        while len(devices) < limit:
            page = self._ddb.query(Limit=limit - len(devices), **kwargs)
            devices.extend(Device.from_item(i) for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return [d for d in devices if d.is_active][:limit]

    def scan(self) -> Iterator[Device]:
        """Every item, page by page (tombstones included)."""
        kwargs: dict[str, Any] = {"TableName": self.table_name}
        while True:
            page = self._ddb.scan(**kwargs)
            yield from (Device.from_item(i) for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def put_if_newer(self, device: Device) -> bool:
        """Write the whole item unless a newer event was already applied. False when skipped."""
        return self._put_conditionally(device, _NEWER_EVENT)

    def put_if_current(self, device: Device) -> bool:
        """Rewrite the item only while the event it records is still the last one applied.

        For corrections that belong to that event (a channel re-created under a new ARN), so a
        newer event written in the meantime is never overwritten. False when skipped.
        """
        return self._put_conditionally(device, _SAME_EVENT)

    def _put_conditionally(self, device: Device, condition: str) -> bool:
        if device.last_event_time is None or device.last_event_id is None:
            raise ValueError("a registry write needs the event time and id that caused it")
        try:
            self._ddb.put_item(
                TableName=self.table_name,
                Item=device.to_item(),
                ConditionExpression=condition,
                ExpressionAttributeValues={
                    ":t": {"S": device.last_event_time},
                    ":i": {"S": device.last_event_id},
                },
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def record_check_in(self, device_id: str, now: int, min_interval: int = 60) -> bool:
        """Stamp the camera's check-in time, at most once per `min_interval` seconds."""
        try:
            self._ddb.update_item(
                TableName=self.table_name,
                Key={PARTITION_KEY: {"S": device_id}},
                UpdateExpression="SET lastCheckIn = :now",
                ConditionExpression=(
                    "#s = :active AND (attribute_not_exists(lastCheckIn) OR lastCheckIn <= :stale)"
                ),
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":now": {"N": str(now)},
                    ":stale": {"N": str(now - min_interval)},
                    ":active": {"S": DeviceStatus.ACTIVE.value},
                },
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True
