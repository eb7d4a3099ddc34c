"""What reaches the presence queue, as parser models: device events from the bus (DeviceConnected,
DeviceDisconnected, DoorbellPressed) and AWS IoT Core's own presence payloads forwarded by the
optional topic rule (`$aws/events/presence/{connected,disconnected}/{clientId}`).

Every kind has `device_id`, `time` and `order_key`; presence kinds also `connected`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, TypeAdapter

from functions.common.bus.device_events import DeviceEventModel
from functions.common.device_id import DeviceId
from functions.common.registry.store import event_time_key

# IoT's timestamps are epoch milliseconds; a datetime holds years 1 to 9999.
_MAX_EPOCH_MS = 253_402_300_799_999


class PresenceDetail(BaseModel):
    model_config = ConfigDict(populate_by_name=True, frozen=True)

    device_id: DeviceId = Field(alias="deviceId")
    # Free text from the device (logged, bounded); it does not change what Alexa is told.
    reason: Annotated[str, Field(max_length=128)] | None = None


class PressDetail(BaseModel):
    model_config = ConfigDict(populate_by_name=True, frozen=True)

    device_id: DeviceId = Field(alias="deviceId")


class DeviceConnected(DeviceEventModel):
    detail_type: Literal["DeviceConnected"] = Field(alias="detail-type")
    detail: PresenceDetail

    @property
    def device_id(self) -> str:
        return self.detail.device_id

    connected: ClassVar[bool] = True


class DeviceDisconnected(DeviceEventModel):
    detail_type: Literal["DeviceDisconnected"] = Field(alias="detail-type")
    detail: PresenceDetail

    @property
    def device_id(self) -> str:
        return self.detail.device_id

    connected: ClassVar[bool] = False


class DoorbellPressedEvent(DeviceEventModel):
    detail_type: Literal["DoorbellPressed"] = Field(alias="detail-type")
    detail: PressDetail

    @property
    def device_id(self) -> str:
        return self.detail.device_id


class IotPresence(BaseModel):
    """AWS IoT Core's lifecycle event; clientId is the thing name, which is the deviceId."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    client_id: DeviceId = Field(alias="clientId")
    timestamp: Annotated[StrictInt, Field(ge=0, le=_MAX_EPOCH_MS)]
    event_type: Literal["connected", "disconnected"] = Field(alias="eventType")
    session_identifier: Annotated[str, Field(min_length=1, max_length=128)] = Field(alias="sessionIdentifier")
    # Grows with every connection of the client: orders two events of the same millisecond.
    version_number: Annotated[StrictInt, Field(ge=0)] = Field(alias="versionNumber")
    disconnect_reason: Annotated[str, Field(max_length=128)] | None = Field(
        default=None, alias="disconnectReason"
    )

    @property
    def device_id(self) -> str:
        return self.client_id

    @property
    def connected(self) -> bool:
        return self.event_type == "connected"

    @property
    def time(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp / 1000, UTC)

    @property
    def order_key(self) -> tuple[str, str]:
        # Zero-padded, so the string order is the number order.
        return event_time_key(self.time), f"iot-{self.version_number:020d}-{self.event_type}"


BusEvent = Annotated[
    DeviceConnected | DeviceDisconnected | DoorbellPressedEvent, Field(discriminator="detail_type")
]
PresenceEvent = DeviceConnected | DeviceDisconnected | IotPresence
_BUS_ADAPTER: TypeAdapter[BusEvent] = TypeAdapter(BusEvent)


def parse_record(body: str) -> BusEvent | IotPresence:
    """The event in an SQS message body; pydantic.ValidationError when it is not one (also for
    non-JSON). EventBridge events have a detail-type; IoT's payloads do not."""
    if '"detail-type"' in body:
        return _BUS_ADAPTER.validate_json(body)
    return IotPresence.model_validate_json(body)
