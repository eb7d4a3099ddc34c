"""Alexa.SmartVision.SnapshotProvider 1.1: the discovery capability, the `GetSnapshot` directive
and its answer.

From the docs: version 1.1; `GetSnapshot` carries `preferOnDemandSnapshot` (not supported for
doorbells, which answer the image of their latest wake event); the image guidelines the media
endpoint follows (JPEG or PNG, at least 360 px on the shorter side, a URI valid about 10 minutes,
fetched with `Authorization: Bearer` and `Accept: image/jpeg, image/png`, no redirects, never
public, 410 once expired so Alexa asks again). From our reading of the answer's format (the
message section of the stored page could not be read in full): the response `Snapshot` with
`snapshotUri` and `timeOfSample` (the capture time) in the payload.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from functions.common.alexa.envelope import Endpoint, Header, Model
from functions.common.alexa.properties import time_of_sample
from functions.common.alexa.smartvision.envelope import (
    HTTPS_URI,
    TIME_PATTERN,
    Time,
    header_schema,
    message_schema,
)

INTERFACE = "Alexa.SmartVision.SnapshotProvider"
VERSION = "1.1"

CAPABILITY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "interface", "version"],
    "properties": {
        "type": {"const": "AlexaInterface"},
        "interface": {"const": INTERFACE},
        "version": {"const": VERSION},
    },
    "additionalProperties": False,
}


class GetSnapshotPayload(Model):
    prefer_on_demand_snapshot: bool = False


class SnapshotPayload(Model):
    snapshot_uri: str
    time_of_sample: Time


class SnapshotEvent(Model):
    header: Header
    endpoint: Endpoint
    payload: SnapshotPayload


class SnapshotResponse(Model):
    event: SnapshotEvent


RESPONSE_SCHEMA = message_schema(
    header_schema(INTERFACE, ["Snapshot"], VERSION),
    {
        "type": "object",
        "required": ["snapshotUri", "timeOfSample"],
        "properties": {
            # Never empty: no fresh image is an error answer, not an empty URI.
            "snapshotUri": {"type": "string", "pattern": HTTPS_URI},
            "timeOfSample": {"type": "string", "pattern": TIME_PATTERN},
        },
        "additionalProperties": False,
    },
    scope_required=False,
)


def snapshot_response(
    device_id: str, correlation_token: str | None, uri: str, taken_at: datetime
) -> dict[str, Any]:
    return SnapshotResponse(
        event=SnapshotEvent(
            header=Header(
                namespace=INTERFACE,
                name="Snapshot",
                payload_version=VERSION,
                correlation_token=correlation_token,
            ),
            endpoint=Endpoint(endpoint_id=device_id),
            payload=SnapshotPayload(snapshot_uri=uri, time_of_sample=time_of_sample(taken_at)),
        )
    ).to_dict()


CAPABILITY: dict[str, Any] = {"type": "AlexaInterface", "interface": INTERFACE, "version": VERSION}
