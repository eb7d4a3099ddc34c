"""Outbound messages about detections, put on ALEXA_EVENTS_QUEUE_URL by the detections function.

Unlike registry changes, these are moments, and they name whom to tell: the camera's owner when
the camera detected the object (or when the user deleted the detections in the maker's app), not
whoever owns it when the message is read. A detection carries its image URIs, minted for that
owner when it was recorded (the references live SNAPSHOT_URI_TTL_SECONDS; Alexa asks again on 410).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from functions.common.alexa.smartvision.envelope import HTTPS_URI
from functions.common.alexa.smartvision.object_detection import ImageNetClass
from functions.common.device_id import DeviceId

_Owner = Annotated[str, Field(alias="ownerId", min_length=1, max_length=1024)]
_EventId = Annotated[str, Field(alias="eventId", min_length=1, max_length=256)]
_Uri = Annotated[str, Field(pattern=HTTPS_URI, max_length=2048)]


class ObjectDetectionFound(BaseModel):
    """An enabled class detected: one `ObjectDetection` to the owner. `event_id` is the camera's."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    type: Literal["ObjectDetectionFound"] = "ObjectDetectionFound"
    device_id: DeviceId = Field(alias="deviceId")
    owner_id: _Owner
    event_id: _EventId
    object_class: ImageNetClass = Field(alias="objectClass")
    detected_at: AwareDatetime = Field(alias="detectedAt")
    frame_image_uri: _Uri = Field(alias="frameImageUri")
    cropped_image_uri: _Uri | None = Field(default=None, alias="croppedImageUri")


class DetectionDataDeleted(BaseModel):
    """Detections the user deleted in the maker's app: one DataController `DataDeleted`.
    `event_id` is the device event's id (for logs); `identifiers` the detections' eventIds."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    type: Literal["DetectionDataDeleted"] = "DetectionDataDeleted"
    device_id: DeviceId = Field(alias="deviceId")
    owner_id: _Owner
    event_id: _EventId
    identifiers: Annotated[list[Annotated[str, Field(min_length=1, max_length=256)]], Field(min_length=1)]
