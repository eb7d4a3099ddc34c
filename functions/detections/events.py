"""The detection device events on the bus (ObjectDetected, SnapshotTaken, DetectionsDeleted), as
parser models; `detail-type` selects the model."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

from functions.common.alexa.smartvision.object_detection import ImageNetClass
from functions.common.bus.device_events import DeviceEventModel
from functions.common.device_id import DeviceId

MediaId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
EventId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")]


class _Detail(BaseModel):
    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="forbid")

    device_id: DeviceId = Field(alias="deviceId")


class DetectedDetail(_Detail):
    event_id: EventId = Field(alias="eventId")
    object_class: ImageNetClass = Field(alias="objectClass")
    detected_at: AwareDatetime = Field(alias="detectedAt")
    media_id: MediaId = Field(alias="mediaId")
    cropped_media_id: MediaId | None = Field(default=None, alias="croppedMediaId")


class SnapshotDetail(_Detail):
    media_id: MediaId = Field(alias="mediaId")
    taken_at: AwareDatetime = Field(alias="takenAt")


class DeletedDetail(_Detail):
    event_ids: Annotated[list[EventId], Field(min_length=1, max_length=100)] = Field(alias="eventIds")


class ObjectDetected(DeviceEventModel):
    detail_type: Literal["ObjectDetected"] = Field(alias="detail-type")
    detail: DetectedDetail


class SnapshotTaken(DeviceEventModel):
    detail_type: Literal["SnapshotTaken"] = Field(alias="detail-type")
    detail: SnapshotDetail


class DetectionsDeleted(DeviceEventModel):
    detail_type: Literal["DetectionsDeleted"] = Field(alias="detail-type")
    detail: DeletedDetail


DetectionEvent = Annotated[
    ObjectDetected | SnapshotTaken | DetectionsDeleted, Field(discriminator="detail_type")
]
_ADAPTER: TypeAdapter[DetectionEvent] = TypeAdapter(DetectionEvent)


def parse_record(body: str) -> DetectionEvent:
    """The event in an SQS message body; pydantic.ValidationError when it is not one."""
    return _ADAPTER.validate_json(body)
