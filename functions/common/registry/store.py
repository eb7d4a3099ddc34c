"""Data access for the device registry table (DynamoDB), shared by every function.

One item per device, keyed by deviceId. Writes from registration events are conditional on the
event order (time, then id), so duplicates and late deliveries never overwrite newer state.
Deregistration leaves a tombstone (status DEREGISTERED, no ownerId, expiring) so that a late
`DeviceRegistered` cannot resurrect the camera.

Presence (connectivity, its own event order, confirmations, what Alexa last heard) lives on the
same item but has other writers: a lifecycle write of a live camera sets and removes only its own
attributes, so a presence change landing meanwhile is never overwritten.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from functions.common import aws_clients, dynamodb_json
from functions.common.registry.schema import (
    CONFIRMED_AT,
    EXPIRES_AT,
    OWNER_INDEX,
    OWNER_KEY,
    PARTITION_KEY,
    SWEEP_INDEX,
    SWEEP_SHARD,
    SWEEP_SHARDS,
    sweep_shard,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

MAX_ENDPOINTS_PER_DISCOVERY = 300
# Tombstones outlive any redelivery of an older event (SQS keeps messages at most 14 days).
TOMBSTONE_RETENTION_SECONDS = 15 * 24 * 3600


class DeviceStatus(StrEnum):
    ACTIVE = "ACTIVE"
    DEREGISTERED = "DEREGISTERED"


class Connectivity(StrEnum):
    """Alexa.EndpointHealth connectivity values."""

    OK = "OK"
    UNREACHABLE = "UNREACHABLE"


class PresenceApplied(NamedTuple):
    """A presence event was applied; `previous` is the connectivity it replaced."""

    previous: Connectivity | None


# Written by presence, check-ins and the events function, never by a lifecycle write.
PRESENCE_ATTRIBUTES = frozenset(
    {
        "lastCheckIn",
        "connectivity",
        "connectivitySince",
        "connectivityCause",
        "presenceTime",
        "presenceEventId",
        "connectedAt",
        "reportedConnectivity",
        "lastPressTime",
        "lastPressId",
    }
)


class Device(BaseModel):
    """A registry item. Field aliases are the DynamoDB attribute names."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    device_id: str = Field(alias=PARTITION_KEY)
    owner_id: str | None = Field(default=None, alias=OWNER_KEY)
    # The event time key of the registration or update that gave the camera its current owner: a
    # press dated earlier was someone else's (absent on items written before it was kept).
    owner_since: str | None = Field(default=None, alias="ownerSince")
    status: DeviceStatus = Field(default=DeviceStatus.ACTIVE, alias="status")
    channel_name: str | None = Field(default=None, alias="channelName")
    channel_arn: str | None = Field(default=None, alias="channelArn")
    # The cell (functions.common.cells.config) holding the channel, as placed by cell placement.
    cell_id: str | None = Field(default=None, alias="cellId")
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
    doorbell: bool = Field(default=False, alias="doorbell")
    # Alexa class names the camera detects (none: no detection), and whether it takes snapshots.
    object_detection_classes: list[str] = Field(default_factory=list, alias="objectDetectionClasses")
    snapshots: bool = Field(default=False, alias="snapshots")
    last_check_in: int | None = Field(default=None, alias="lastCheckIn")
    expires_at: int | None = Field(default=None, alias=EXPIRES_AT)
    # Presence: the current value, since when (an event time key) and why (an Alexa cause type).
    connectivity: Connectivity | None = Field(default=None, alias="connectivity")
    connectivity_since: str | None = Field(default=None, alias="connectivitySince")
    connectivity_cause: str | None = Field(default=None, alias="connectivityCause")
    # (time, id) of the last presence event applied, as `order_key` is for lifecycle events.
    presence_time: str | None = Field(default=None, alias="presenceTime")
    presence_event_id: str | None = Field(default=None, alias="presenceEventId")
    # Epoch seconds of the last DeviceConnected; with lastCheckIn, the camera's confirmations.
    connected_at: int | None = Field(default=None, alias="connectedAt")
    # The connectivity the owner's Alexa last accepted in a ChangeReport.
    reported_connectivity: Connectivity | None = Field(default=None, alias="reportedConnectivity")
    # (time, id) of the last doorbell press passed on, so a redelivered press rings once.
    last_press_time: str | None = Field(default=None, alias="lastPressTime")
    last_press_id: str | None = Field(default=None, alias="lastPressId")

    @property
    def is_active(self) -> bool:
        return self.status is DeviceStatus.ACTIVE

    @property
    def order_key(self) -> tuple[str, str]:
        """(time, id) of the last event applied to this item; compare with an event's own."""
        return self.last_event_time or "", self.last_event_id or ""

    @property
    def is_connected(self) -> bool:
        return self.is_active and self.connectivity is Connectivity.OK

    @property
    def last_confirmed(self) -> int | None:
        """Epoch seconds of the camera's last sign of life: a connect event or a check-in."""
        stamps = [s for s in (self.last_check_in, self.connected_at) if s is not None]
        return max(stamps, default=None)

    @classmethod
    def tombstone(cls, device_id: str, event_time: str, event_id: str, now: int) -> Device:
        """What a deregistration leaves: no owner, no channel, expiring after the retention.

        The deregistration is also the floor of the presence and press orders: lifecycle writes
        keep those attributes, so a connect, disconnect or press dated before it (a late delivery
        from the old registration) is stale for the next registration too."""
        return cls(
            device_id=device_id,
            status=DeviceStatus.DEREGISTERED,
            last_event_time=event_time,
            last_event_id=event_id,
            expires_at=now + TOMBSTONE_RETENTION_SECONDS,
            presence_time=event_time,
            presence_event_id=event_id,
            last_press_time=event_time,
            last_press_id=event_id,
        )

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Device:
        return cls.model_validate(dynamodb_json.from_item(item))

    def to_item(self) -> dict[str, Any]:
        plain = self.model_dump(by_alias=True, exclude_none=True, mode="json")
        return dynamodb_json.to_item(plain)


def event_time_key(time: datetime) -> str:
    """A fixed-width UTC timestamp, so DynamoDB's string comparison orders events by time.

    The year is padded by hand: `%Y` gives "999", not "0999", on glibc, and "999-..." sorts after
    "2026-...". Years 1 to 9999 (all a datetime holds) then sort in order."""
    utc = time.astimezone(UTC)
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S.%f}Z"


def time_from_key(key: str) -> datetime:
    """An event_time_key back to its (UTC) datetime."""
    return datetime.strptime(key, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


_LIFECYCLE_ATTRIBUTES = tuple(
    field.alias
    for field in Device.model_fields.values()
    if field.alias and field.alias != PARTITION_KEY and field.alias not in PRESENCE_ATTRIBUTES
)
# The item is written only if no newer event was applied: (time, id) strictly greater wins.
_NEWER_EVENT = (
    "attribute_not_exists(deviceId) OR lastEventTime < :t OR (lastEventTime = :t AND lastEventId < :i)"
)
_SAME_EVENT = "lastEventTime = :t AND lastEventId = :i"
# Presence events have their own order, so a late DeviceConnected never overrides a newer
# DeviceDisconnected, whatever lifecycle events came between.
_NEWER_PRESENCE = (
    "attribute_not_exists(presenceTime) OR presenceTime < :t OR (presenceTime = :t AND presenceEventId < :i)"
)
_NEWER_PRESS = (
    "attribute_not_exists(lastPressTime) OR lastPressTime < :t OR (lastPressTime = :t AND lastPressId < :i)"
)
# No confirmation (connect event or check-in) since :cut.
# The sweep index's attributes (functions.common.registry.schema): set on each confirmation, removed
# once the camera is marked silent or reported not OK.
_SWEEP_NAMES = {"#shard": SWEEP_SHARD, "#at": CONFIRMED_AT}
_SWEEP_ENTRY = "#shard = :shard, #at = :now"
_SWEEP_KEYS = "#shard, #at"
# Index entries read per shard per sweep: 16 shards x 1,000 bound one run's listing.
SWEEP_READS_PER_SHARD = 1_000

_SILENT = (
    "(attribute_not_exists(lastCheckIn) OR lastCheckIn < :cut) "
    "AND (attribute_not_exists(connectedAt) OR connectedAt < :cut)"
)


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
        values = {":t": {"S": device.last_event_time}, ":i": {"S": device.last_event_id}}
        try:
            if device.is_active:
                self._update_lifecycle_attributes(device, condition, values)
            else:
                # A tombstone replaces everything, presence included.
                self._ddb.put_item(
                    TableName=self.table_name,
                    Item=device.to_item(),
                    ConditionExpression=condition,
                    ExpressionAttributeValues=values,
                )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def _update_lifecycle_attributes(self, device: Device, condition: str, values: dict[str, Any]) -> None:
        """Set the item's lifecycle attributes and remove the ones `device` lacks; presence stays."""
        item = {
            k: v for k, v in device.to_item().items() if k != PARTITION_KEY and k not in PRESENCE_ATTRIBUTES
        }
        absent = [a for a in _LIFECYCLE_ATTRIBUTES if a not in item]
        names = {f"#a{n}": name for n, name in enumerate([*item, *absent])}
        sets = [f"#a{n} = :a{n}" for n in range(len(item))]
        values = values | {f":a{n}": value for n, value in enumerate(item.values())}
        removes = [f"#a{n}" for n in range(len(item), len(names))]
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        self._ddb.update_item(
            TableName=self.table_name,
            Key={PARTITION_KEY: {"S": device.device_id}},
            UpdateExpression=expression,
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def record_check_in(self, device_id: str, now: int, min_interval: int = 60) -> bool:
        """Stamp the camera's check-in time, at most once per `min_interval` seconds."""
        try:
            self._ddb.update_item(
                TableName=self.table_name,
                Key={PARTITION_KEY: {"S": device_id}},
                UpdateExpression=f"SET lastCheckIn = :now, {_SWEEP_ENTRY}",
                ConditionExpression=(
                    "#s = :active AND (attribute_not_exists(lastCheckIn) OR lastCheckIn <= :stale)"
                ),
                ExpressionAttributeNames=_SWEEP_NAMES | {"#s": "status"},
                ExpressionAttributeValues={
                    ":now": {"N": str(now)},
                    ":shard": {"S": sweep_shard(device_id)},
                    ":stale": {"N": str(now - min_interval)},
                    ":active": {"S": DeviceStatus.ACTIVE.value},
                },
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def record_presence(
        self,
        device_id: str,
        connectivity: Connectivity,
        order_key: tuple[str, str],
        cause: str,
        *,
        connected_at: int | None = None,
    ) -> PresenceApplied | None:
        """Apply a presence event to a live camera unless a newer one was applied.

        None when skipped (stale, or no live camera). `connected_at` (a connect event) confirms
        the camera."""
        event_time, event_id = order_key
        sets = "connectivity = :c, connectivitySince = :t, connectivityCause = :cause, presenceTime = :t, "
        sets += "presenceEventId = :i"
        values: dict[str, Any] = {
            ":c": {"S": connectivity.value},
            ":t": {"S": event_time},
            ":i": {"S": event_id},
            ":cause": {"S": cause},
            ":active": {"S": DeviceStatus.ACTIVE.value},
        }
        removes = ""
        if connected_at is not None:
            sets += ", connectedAt = :at, " + _SWEEP_ENTRY.replace(":now", ":at")
            values[":at"] = {"N": str(connected_at)}
            values[":shard"] = {"S": sweep_shard(device_id)}
        if connectivity is not Connectivity.OK:
            removes = " REMOVE " + _SWEEP_KEYS  # nothing for the sweep to find until confirmed again
        try:
            response = self._ddb.update_item(
                TableName=self.table_name,
                Key={PARTITION_KEY: {"S": device_id}},
                UpdateExpression="SET " + sets + removes,
                ConditionExpression=f"#s = :active AND ({_NEWER_PRESENCE})",
                ExpressionAttributeNames=_SWEEP_NAMES | {"#s": "status"},
                ExpressionAttributeValues=values,
                ReturnValues="UPDATED_OLD",
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return None
        old = response.get("Attributes", {}).get("connectivity", {}).get("S")
        return PresenceApplied(previous=Connectivity(old) if old else None)

    def record_press(self, device_id: str, order_key: tuple[str, str]) -> Device | None:
        """Take a press of a live doorbell newer than the last one: the doorbell as it is when
        taken (its owner then). None otherwise (a repeat, a late press, or no live doorbell: read
        the item to tell which)."""
        event_time, event_id = order_key
        try:
            response = self._ddb.update_item(
                TableName=self.table_name,
                Key={PARTITION_KEY: {"S": device_id}},
                UpdateExpression="SET lastPressTime = :t, lastPressId = :i",
                ConditionExpression=f"#s = :active AND doorbell = :yes AND ({_NEWER_PRESS})",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":t": {"S": event_time},
                    ":i": {"S": event_id},
                    ":yes": {"BOOL": True},
                    ":active": {"S": DeviceStatus.ACTIVE.value},
                },
                ReturnValues="ALL_NEW",
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return None
        return Device.from_item(response["Attributes"])

    def silent_cameras(self, cutoff: int, per_shard: int = SWEEP_READS_PER_SHARD) -> Iterator[str]:
        """deviceIds in the sweep index confirmed last before `cutoff`, at most `per_shard` from
        each shard (the next run takes the rest): cameras that may have gone silent, each to be
        marked (`mark_silent`) or its index entry settled (`settle_sweep_entry`)."""
        for shard in range(SWEEP_SHARDS):
            kwargs: dict[str, Any] = {
                "TableName": self.table_name,
                "IndexName": SWEEP_INDEX,
                "KeyConditionExpression": "#shard = :shard AND #at < :cut",
                "ExpressionAttributeNames": _SWEEP_NAMES,
                "ExpressionAttributeValues": {":shard": {"S": str(shard)}, ":cut": {"N": str(cutoff)}},
                "Limit": per_shard,
            }
            page = self._ddb.query(**kwargs)
            yield from (item[PARTITION_KEY]["S"] for item in page.get("Items", []))

    def settle_sweep_entry(self, device_id: str) -> None:
        """An index entry the sweep found but could not mark: a camera no longer OK or live leaves
        the index; one confirmed since gets its last confirmation as its index time."""
        device = self.get(device_id, consistent=True)
        if device is None:
            return
        names = _SWEEP_NAMES | {"#s": "status"}
        values: dict[str, Any] = {
            ":ok": {"S": Connectivity.OK.value},
            ":active": {"S": DeviceStatus.ACTIVE.value},
        }
        try:
            if device.is_connected and device.last_confirmed is not None:
                self._ddb.update_item(
                    TableName=self.table_name,
                    Key={PARTITION_KEY: {"S": device_id}},
                    UpdateExpression="SET #at = :at",
                    ConditionExpression="#s = :active AND connectivity = :ok AND #at < :at",
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=values | {":at": {"N": str(device.last_confirmed)}},
                )
            else:
                # Only while still not OK: a reconnection since then keeps its entry.
                self._ddb.update_item(
                    TableName=self.table_name,
                    Key={PARTITION_KEY: {"S": device_id}},
                    UpdateExpression=f"REMOVE {_SWEEP_KEYS}",
                    ConditionExpression=(
                        "attribute_not_exists(connectivity) OR connectivity <> :ok OR #s <> :active"
                    ),
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=values,
                )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            pass  # changed since the read: the next sweep looks again

    def mark_silent(self, device_id: str, cutoff: int, since: str, cause: str) -> bool:
        """UNREACHABLE, if the camera is still OK and still unconfirmed since `cutoff`: a second
        sweep, or a confirmation that landed after the listing, changes nothing."""
        try:
            self._ddb.update_item(
                TableName=self.table_name,
                Key={PARTITION_KEY: {"S": device_id}},
                UpdateExpression=(
                    "SET connectivity = :down, connectivitySince = :t, connectivityCause = :cause "
                    f"REMOVE {_SWEEP_KEYS}"
                ),
                ConditionExpression=f"#s = :active AND connectivity = :ok AND {_SILENT}",
                ExpressionAttributeNames=_SWEEP_NAMES | {"#s": "status"},
                ExpressionAttributeValues={
                    ":active": {"S": DeviceStatus.ACTIVE.value},
                    ":ok": {"S": Connectivity.OK.value},
                    ":down": {"S": Connectivity.UNREACHABLE.value},
                    ":cut": {"N": str(cutoff)},
                    ":t": {"S": since},
                    ":cause": {"S": cause},
                },
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def record_reported(self, device_id: str, connectivity: Connectivity) -> None:
        """Remember what the owner's Alexa accepted, so the same value is not reported again."""
        try:
            self._ddb.update_item(
                TableName=self.table_name,
                Key={PARTITION_KEY: {"S": device_id}},
                UpdateExpression="SET reportedConnectivity = :c",
                ConditionExpression="#s = :active",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":c": {"S": connectivity.value},
                    ":active": {"S": DeviceStatus.ACTIVE.value},
                },
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return  # deregistered meanwhile: nothing left to report on
