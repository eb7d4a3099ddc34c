"""The events this function sends to the Alexa event gateway (payload version 3).

AddOrUpdateReport carries the camera exactly as Discover.Response describes it (the same
builder); DeleteReport carries only endpointIds. Both carry the user's token as `scope`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from functions.common.alexa.endpoints import DiscoveredEndpoint, discovered_endpoint
from functions.common.alexa.envelope import Endpoint, Header, Model, Scope
from functions.common.registry.store import Device

DISCOVERY = "Alexa.Discovery"


class AddOrUpdatePayload(Model):
    endpoints: Annotated[list[DiscoveredEndpoint], Field(min_length=1, max_length=300)]
    scope: Scope


class DeletePayload(Model):
    # The endpoint references carry no scope: the payload's own does.
    endpoints: Annotated[list[Endpoint], Field(min_length=1, max_length=300)]
    scope: Scope


class DiscoveryEvent(Model):
    header: Header
    payload: AddOrUpdatePayload | DeletePayload


class DiscoveryMessage(Model):
    event: DiscoveryEvent


def add_or_update_report(device: Device, token: str) -> dict[str, Any]:
    payload = AddOrUpdatePayload(endpoints=[discovered_endpoint(device)], scope=Scope(token=token))
    return _message("AddOrUpdateReport", payload)


def delete_report(device_id: str, token: str) -> dict[str, Any]:
    payload = DeletePayload(endpoints=[Endpoint(endpoint_id=device_id)], scope=Scope(token=token))
    return _message("DeleteReport", payload)


def _message(name: str, payload: AddOrUpdatePayload | DeletePayload) -> dict[str, Any]:
    header = Header(namespace=DISCOVERY, name=name, payload_version="3")
    return DiscoveryMessage(event=DiscoveryEvent(header=header, payload=payload)).to_dict()
