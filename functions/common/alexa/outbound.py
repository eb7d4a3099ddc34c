"""Outbound Alexa events: the messages other functions put on ALEXA_EVENTS_QUEUE_URL, and the
publisher that puts them there. The events function reads them and talks to the gateway.

A message names what changed, not what to send: `EndpointChanged` says that a camera's registry
item changed and which owners may need to hear about it (the one before and the one after).
The events function reads the registry when it sends, so whatever order messages arrive in, Alexa
is told the registry's current state and an old AddOrUpdateReport can never follow a
DeleteReport. `ConnectivityChanged` likewise only says "look again": the registry holds the value
and what Alexa last heard. `DoorbellPressed` is a moment, not a state: it carries its time and the
owner of that moment, the only one it may ring.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

from functions.common import aws_clients
from functions.common.alexa.outbound_detections import DetectionDataDeleted, ObjectDetectionFound
from functions.common.device_id import DeviceId

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

OwnerId = Annotated[str, Field(min_length=1, max_length=1024)]
# The device event that caused a message, for logs and for tracing a report back to its cause.
EVENT_ID_MAX = 256
EventId = Annotated[str, Field(alias="eventId", min_length=1, max_length=EVENT_ID_MAX)]


class EndpointChanged(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    type: Literal["EndpointChanged"] = "EndpointChanged"
    device_id: DeviceId = Field(alias="deviceId")
    owners: Annotated[list[OwnerId], Field(min_length=1, max_length=2)]
    event_id: EventId


class ConnectivityChanged(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    type: Literal["ConnectivityChanged"] = "ConnectivityChanged"
    device_id: DeviceId = Field(alias="deviceId")
    event_id: EventId


class DoorbellPressed(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    type: Literal["DoorbellPressed"] = "DoorbellPressed"
    device_id: DeviceId = Field(alias="deviceId")
    event_id: EventId
    time: AwareDatetime
    # The camera's owner when it was pressed: the press rings no one else.
    owner_id: OwnerId = Field(alias="ownerId")


OutboundMessage = Annotated[
    EndpointChanged | ConnectivityChanged | DoorbellPressed | ObjectDetectionFound | DetectionDataDeleted,
    Field(discriminator="type"),
]
OUTBOUND_ADAPTER: TypeAdapter[OutboundMessage] = TypeAdapter(OutboundMessage)


class OutboundPublisher:
    def __init__(self, queue_url: str, sqs: SQSClient) -> None:
        self._queue_url = queue_url
        self._sqs = sqs

    def endpoint_changed(self, device_id: str, owners: list[str | None], event_id: str) -> None:
        """Announce a registry change; owners that are None (no owner before) are left out."""
        known = list(dict.fromkeys(o for o in owners if o))
        if not known:
            return
        self.publish(EndpointChanged(device_id=device_id, owners=known, event_id=event_id))

    def connectivity_changed(self, device_id: str, event_id: str) -> None:
        self.publish(ConnectivityChanged(device_id=device_id, event_id=event_id))

    def doorbell_pressed(self, device_id: str, event_id: str, time: datetime, owner_id: str) -> None:
        self.publish(DoorbellPressed(device_id=device_id, event_id=event_id, time=time, owner_id=owner_id))

    def publish(self, message: BaseModel) -> None:
        self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=message.model_dump_json(by_alias=True))


def outbound_publisher(queue_url: str | None) -> OutboundPublisher | None:
    """The publisher for `queue_url` (one SQS client per container), or None when unset."""
    if queue_url is None:
        return None
    return OutboundPublisher(queue_url, aws_clients.client("sqs"))
