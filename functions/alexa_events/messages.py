"""The events this function sends to the Alexa event gateway (payload version 3).

AddOrUpdateReport carries the camera exactly as Discover.Response describes it (the same
builder); DeleteReport carries only endpointIds. Both carry the user's token as `scope`.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from functions.common.alexa.endpoints import DiscoveredEndpoint, EndpointId, discovered_endpoint
from functions.common.registry.store import Device


class GatewayModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


class Header(GatewayModel):
    namespace: Literal["Alexa.Discovery", "Alexa", "Alexa.DoorbellEventSource"] = "Alexa.Discovery"
    name: Literal["AddOrUpdateReport", "DeleteReport", "ChangeReport", "DoorbellPress"]
    payload_version: Literal["3"] = "3"
    message_id: str = Field(default_factory=lambda: str(uuid.uuid4()))


class Scope(GatewayModel):
    type: Literal["BearerToken"] = "BearerToken"
    token: Annotated[str, Field(min_length=1)]


class EndpointReference(GatewayModel):
    endpoint_id: EndpointId


class AddOrUpdatePayload(GatewayModel):
    endpoints: Annotated[list[DiscoveredEndpoint], Field(min_length=1, max_length=300)]
    scope: Scope


class DeletePayload(GatewayModel):
    endpoints: Annotated[list[EndpointReference], Field(min_length=1, max_length=300)]
    scope: Scope


class Event(GatewayModel):
    header: Header
    payload: AddOrUpdatePayload | DeletePayload


class GatewayMessage(GatewayModel):
    event: Event


def add_or_update_report(device: Device, token: str) -> dict[str, Any]:
    payload = AddOrUpdatePayload(endpoints=[discovered_endpoint(device)], scope=Scope(token=token))
    return GatewayMessage(event=Event(header=Header(name="AddOrUpdateReport"), payload=payload)).to_dict()


def delete_report(device_id: str, token: str) -> dict[str, Any]:
    payload = DeletePayload(endpoints=[EndpointReference(endpoint_id=device_id)], scope=Scope(token=token))
    return GatewayMessage(event=Event(header=Header(name="DeleteReport"), payload=payload)).to_dict()
