"""Device lifecycle events: the device registry's EventBridge events, as Powertools parser models.

`detail-type` selects the model (a discriminated union), so an unknown type, a missing field or an
invalid deviceId fails validation with a message that names the field. Checks that depend on
configuration or the clock (the event source and account, an event time in the future) are made by
the logic.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    TypeAdapter,
    field_validator,
)

from functions.common.alexa.smartvision import object_detection
from functions.common.alexa.smartvision.object_detection import ImageNetClass
from functions.common.bus.device_events import DeviceEventModel
from functions.common.device_id import DeviceId
from functions.common.registry import channel_tags
from functions.common.settings import MESSAGE_TTL_MAX, MESSAGE_TTL_MIN

REGISTERED, UPDATED, DEREGISTERED = "DeviceRegistered", "DeviceUpdated", "DeviceDeregistered"
DetailType = Literal["DeviceRegistered", "DeviceUpdated", "DeviceDeregistered"]
# Event tags share the channel's 50 with the managed ones, rotating tags included.
MAX_EVENT_TAGS = channel_tags.MAX_TAGS_PER_CHANNEL - channel_tags.MANAGED_TAG_COUNT
# KVS tag text: letters, separators, numbers and _.:/=+-@ (\p{L}\p{Z}\p{N} in the API model).
_TAG_PUNCTUATION = frozenset("_.:/=+-@")


def _tag_text(text: str) -> str:
    if not all(ch in _TAG_PUNCTUATION or unicodedata.category(ch)[0] in "LZN" for ch in text):
        raise ValueError("tags may hold only letters, numbers, spaces and _.:/=+-@")
    return text


TagKey = Annotated[str, Field(min_length=1, max_length=channel_tags.TAG_KEY_MAX), AfterValidator(_tag_text)]
TagValue = Annotated[str, Field(max_length=channel_tags.TAG_VALUE_MAX), AfterValidator(_tag_text)]
# Alexa's limits for the Discovery fields these become.
AlexaText = Annotated[str, Field(min_length=1, max_length=128)]
Attribute = Annotated[str, Field(min_length=1, max_length=256)]
OwnerId = Annotated[str, Field(min_length=1, max_length=1024)]


class DeviceDetail(BaseModel):
    """The `detail` of a lifecycle event. Fields left out of a DeviceUpdated keep their value."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    device_id: DeviceId = Field(alias="deviceId")
    owner_id: OwnerId | None = Field(default=None, alias="ownerId")
    friendly_name: AlexaText | None = Field(default=None, alias="friendlyName")
    manufacturer_name: AlexaText | None = Field(default=None, alias="manufacturerName")
    model: Annotated[str, Field(min_length=1, max_length=256)] | None = Field(default=None, alias="model")
    description: AlexaText | None = Field(default=None, alias="description")
    # Optional, for Alexa's additionalAttributes (256 characters each there).
    serial_number: Attribute | None = Field(default=None, alias="serialNumber")
    firmware_version: Attribute | None = Field(default=None, alias="firmwareVersion")
    software_version: Attribute | None = Field(default=None, alias="softwareVersion")
    message_ttl_seconds: Annotated[StrictInt, Field(ge=MESSAGE_TTL_MIN, le=MESSAGE_TTL_MAX)] | None = Field(
        default=None, alias="messageTtlSeconds"
    )
    full_duplex_audio: StrictBool | None = Field(default=None, alias="fullDuplexAudio")
    # A video doorbell: Alexa lists it as CAMERA and DOORBELL and hears its presses.
    doorbell: StrictBool | None = Field(default=None, alias="doorbell")
    # Alexa's class names the camera can detect (absent or empty: no detection); takes snapshots.
    object_detection_classes: (
        Annotated[list[ImageNetClass], Field(max_length=object_detection.MAX_CLASSES)] | None
    ) = Field(default=None, alias="objectDetectionClasses")
    snapshots: StrictBool | None = Field(default=None, alias="snapshots")
    tags: dict[TagKey, TagValue] | None = Field(default=None, alias="tags")

    @field_validator("tags")
    @classmethod
    def _tags_fit(cls, tags: dict[str, str] | None) -> dict[str, str] | None:
        if tags is None:
            return None
        managed = sorted(k for k in tags if channel_tags.is_managed(k))
        if managed:
            raise ValueError(f"keys under {channel_tags.NAMESPACE!r} are managed, not settable: {managed}")
        if len(tags) > MAX_EVENT_TAGS:
            raise ValueError(
                f"{len(tags)} tags plus the {channel_tags.MANAGED_TAG_COUNT} managed ones exceed the "
                f"{channel_tags.MAX_TAGS_PER_CHANNEL}-tag limit of a channel"
            )
        return tags


class PresentDetail(DeviceDetail):
    """A registered or updated device: the owner is required."""

    owner_id: OwnerId = Field(alias="ownerId")


class DeviceRegistered(DeviceEventModel):
    detail_type: Literal["DeviceRegistered"] = Field(alias="detail-type")
    detail: PresentDetail


class DeviceUpdated(DeviceEventModel):
    detail_type: Literal["DeviceUpdated"] = Field(alias="detail-type")
    detail: PresentDetail


class DeviceDeregistered(DeviceEventModel):
    detail_type: Literal["DeviceDeregistered"] = Field(alias="detail-type")
    detail: DeviceDetail


DeviceEvent = Annotated[
    DeviceRegistered | DeviceUpdated | DeviceDeregistered, Field(discriminator="detail_type")
]
EVENT_ADAPTER: TypeAdapter[DeviceEvent] = TypeAdapter(DeviceEvent)


def parse_event(body: str) -> DeviceEvent:
    """The event in an SQS message body; raises pydantic.ValidationError (also for non-JSON)."""
    return EVENT_ADAPTER.validate_json(body)
