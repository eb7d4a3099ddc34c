"""The presence events this function sends: `Alexa` ChangeReport of
`Alexa.EndpointHealth.connectivity`, and `Alexa.DoorbellEventSource` DoorbellPress. Both name the
endpoint and carry the user's token in `endpoint.scope`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from functions.alexa_events.messages import GatewayModel, Header, Scope
from functions.common.alexa.endpoints import EndpointId
from functions.common.alexa.properties import ConnectivityProperty, ConnectivityValue, time_of_sample
from functions.common.registry.store import Connectivity

Cause = Literal["PHYSICAL_INTERACTION", "PERIODIC_POLL"]


class Endpoint(GatewayModel):
    scope: Scope
    endpoint_id: EndpointId


class CauseOf(GatewayModel):
    type: Cause


class Change(GatewayModel):
    cause: CauseOf
    properties: list[ConnectivityProperty]


class ChangePayload(GatewayModel):
    change: Change


class PressPayload(GatewayModel):
    cause: CauseOf
    # Whole seconds: the schema's timestamp has no fraction.
    timestamp: Annotated[str, Field(pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")]


class Event(GatewayModel):
    header: Header
    endpoint: Endpoint
    payload: ChangePayload | PressPayload


class GatewayMessage(GatewayModel):
    event: Event


def change_report(
    device_id: str, connectivity: Connectivity, since: datetime, cause: Cause, token: str
) -> dict[str, Any]:
    prop = ConnectivityProperty(
        value=ConnectivityValue(value=connectivity.value),
        time_of_sample=time_of_sample(since),
        # The value is what the camera's last presence event (or the sweep) established.
        uncertainty_in_milliseconds=0,
    )
    event = Event(
        header=Header(namespace="Alexa", name="ChangeReport"),
        endpoint=Endpoint(scope=Scope(token=token), endpoint_id=device_id),
        payload=ChangePayload(change=Change(cause=CauseOf(type=cause), properties=[prop])),
    )
    return GatewayMessage(event=event).to_dict()


def doorbell_press(device_id: str, pressed_at: datetime, token: str) -> dict[str, Any]:
    event = Event(
        header=Header(namespace="Alexa.DoorbellEventSource", name="DoorbellPress"),
        endpoint=Endpoint(scope=Scope(token=token), endpoint_id=device_id),
        payload=PressPayload(
            cause=CauseOf(type="PHYSICAL_INTERACTION"),
            timestamp=f"{pressed_at.astimezone(UTC):%Y-%m-%dT%H:%M:%S}Z",
        ),
    )
    return GatewayMessage(event=event).to_dict()
