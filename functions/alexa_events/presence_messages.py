"""The presence events this function sends: `Alexa` ChangeReport of
`Alexa.EndpointHealth.connectivity`, and `Alexa.DoorbellEventSource` DoorbellPress. Both name the
endpoint and carry the user's token in `endpoint.scope`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from functions.common.alexa.envelope import Endpoint, Header, Model, Scope
from functions.common.alexa.properties import ConnectivityProperty, ConnectivityValue, time_of_sample
from functions.common.registry.store import Connectivity

Cause = Literal["PHYSICAL_INTERACTION", "PERIODIC_POLL"]


class CauseOf(Model):
    type: Cause


class Change(Model):
    cause: CauseOf
    properties: list[ConnectivityProperty]


class ChangePayload(Model):
    change: Change


class PressPayload(Model):
    cause: CauseOf
    # Whole seconds: the schema's timestamp has no fraction.
    timestamp: Annotated[str, Field(pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")]


class PresenceReportEvent(Model):
    header: Header
    endpoint: Endpoint
    payload: ChangePayload | PressPayload


class PresenceReport(Model):
    event: PresenceReportEvent


def change_report(
    device_id: str, connectivity: Connectivity, since: datetime, cause: Cause, token: str
) -> dict[str, Any]:
    prop = ConnectivityProperty(
        value=ConnectivityValue(value=connectivity.value),
        time_of_sample=time_of_sample(since),
        # The value is what the camera's last presence event (or the sweep) established.
        uncertainty_in_milliseconds=0,
    )
    event = PresenceReportEvent(
        header=Header(namespace="Alexa", name="ChangeReport", payload_version="3"),
        endpoint=Endpoint(scope=Scope(token=token), endpoint_id=device_id),
        payload=ChangePayload(change=Change(cause=CauseOf(type=cause), properties=[prop])),
    )
    return PresenceReport(event=event).to_dict()


def doorbell_press(device_id: str, pressed_at: datetime, token: str) -> dict[str, Any]:
    event = PresenceReportEvent(
        header=Header(namespace="Alexa.DoorbellEventSource", name="DoorbellPress", payload_version="3"),
        endpoint=Endpoint(scope=Scope(token=token), endpoint_id=device_id),
        payload=PressPayload(
            cause=CauseOf(type="PHYSICAL_INTERACTION"),
            timestamp=f"{pressed_at.astimezone(UTC):%Y-%m-%dT%H:%M:%S}Z",
        ),
    )
    return PresenceReport(event=event).to_dict()
