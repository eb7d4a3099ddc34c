"""The simulated Alexa's SmartVision and DataController side: it sends their directives, checks
every message of these interfaces against the project's schema for it (functions.common.alexa.smartvision),
and fetches image URIs as Alexa does.

Alexa fetches an image with `Authorization: Bearer <the user's access token>` and `Accept:
image/jpeg, image/png`, follows no redirect, and takes only a JPEG or PNG of at least 360 px on
its shorter side; a 410 means the URI expired, and Alexa asks the skill again for a fresh one
(GetSnapshot again; ReportData by the detection's identifier).
"""

from __future__ import annotations

import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jsonschema

from functions.common.alexa.smartvision import data_controller, object_detection, snapshot_provider
from functions.common.detections.media_store import image_type
from localcloud.alexa import schema as alexa_schema
from localcloud.alexa.simulator import directive
from localcloud.aws.client import CloudClient

ACCEPT = "image/jpeg, image/png"
MIN_SIDE_PX = 360
DC = data_controller.INTERFACE
_SCHEMAS = {
    (snapshot_provider.INTERFACE, "Snapshot"): snapshot_provider.RESPONSE_SCHEMA,
    (object_detection.INTERFACE, "ObjectDetection"): object_detection.EVENT_SCHEMA,
    (DC, "DataReport"): data_controller.DATA_REPORT_SCHEMA,
    (DC, "DeleteDataResponse"): data_controller.DELETE_RESPONSE_SCHEMA,
    (DC, "DataDeleted"): data_controller.DATA_DELETED_SCHEMA,
    (DC, "ErrorResponse"): data_controller.ERROR_SCHEMA,
}
_VALIDATORS = {key: jsonschema.Draft202012Validator(schema) for key, schema in _SCHEMAS.items()}
_SET_CLASSES = jsonschema.Draft202012Validator(object_detection.SET_CLASSES_RESPONSE_SCHEMA)


class InvalidMessage(Exception):
    """A SmartVision or DataController message that does not meet its schema."""


class ImageRefused(Exception):
    """The image URI answered something Alexa would not show."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"HTTP {status}: {reason}")
        self.status = status


@dataclass(frozen=True)
class FetchedImage:
    content_type: str
    width: int
    height: int
    data: bytes


def check(message: dict[str, Any], validator: jsonschema.Draft202012Validator | None = None) -> None:
    """Raise InvalidMessage unless `message` meets its schema: the project's own for these
    interfaces, the official one for Alexa.ErrorResponse."""
    header = message.get("event", {}).get("header", {})
    validator = validator or _VALIDATORS.get((header.get("namespace"), header.get("name")))
    if validator is not None:
        problems = sorted(
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(message)
        )
    else:
        problems = alexa_schema.errors(message)
    if problems:
        raise InvalidMessage(f"{header.get('namespace')}.{header.get('name')}: {problems[0]}")


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR or a JPEG's start-of-frame marker; None otherwise."""
    if image_type(data) == "image/png" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if image_type(data) != "image/jpeg":
        return None
    at = 2
    while at + 9 <= len(data) and data[at] == 0xFF:
        marker, length = data[at + 1], struct.unpack(">H", data[at + 2 : at + 4])[0]
        # SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC), which share the range.
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        at += 2 + length
    return None


class AlexaVision:
    """One user's Alexa talking to the skill's SmartVision and DataController interfaces."""

    def __init__(self, client: CloudClient) -> None:
        self.client = client

    async def _send(
        self,
        namespace: str,
        name: str,
        token: str,
        endpoint_id: str,
        payload: dict[str, Any],
        *,
        version: str,
        instance: str | None = None,
    ) -> dict[str, Any]:
        message = directive(namespace, name, token, payload, endpoint_id)
        message["directive"]["header"]["payloadVersion"] = version
        if instance is not None:
            message["directive"]["header"]["instance"] = instance
        return await self.client.alexa(message)

    async def get_snapshot(self, token: str, endpoint_id: str) -> dict[str, Any]:
        response = await self._send(
            snapshot_provider.INTERFACE,
            "GetSnapshot",
            token,
            endpoint_id,
            {"preferOnDemandSnapshot": False},
            version=snapshot_provider.VERSION,
        )
        check(response)
        return response

    async def snapshot(self, token: str, endpoint_id: str) -> tuple[dict[str, Any], FetchedImage]:
        """GetSnapshot, then its image fetched (asking again on 410)."""
        response = await self.get_snapshot(token, endpoint_id)
        if response["event"]["header"]["name"] != "Snapshot":
            raise ImageRefused(0, f"GetSnapshot answered {response['event']['payload']}")

        async def again() -> str:
            return str((await self.get_snapshot(token, endpoint_id))["event"]["payload"]["snapshotUri"])

        return response, await self.fetch(response["event"]["payload"]["snapshotUri"], token, again)

    async def set_classes(self, token: str, endpoint_id: str, classes: list[str]) -> dict[str, Any]:
        payload = {"objectDetectionClasses": [{"imageNetClass": c} for c in classes]}
        response = await self._send(
            object_detection.INTERFACE,
            "SetObjectDetectionClasses",
            token,
            endpoint_id,
            payload,
            version=object_detection.VERSION,
        )
        check(response, _SET_CLASSES if response["event"]["header"]["name"] == "Response" else None)
        return response

    async def report_data(
        self,
        token: str,
        endpoint_id: str,
        access: dict[str, Any],
        max_results: int = data_controller.DEFAULT_PAGE,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        """One ReportData page; `access` is an accessConfig (use `by_identifier` / `by_range`)."""
        pagination: dict[str, Any] = {"maxResults": max_results}
        if next_token is not None:
            pagination["nextToken"] = next_token
        response = await self._send(
            DC,
            "ReportData",
            token,
            endpoint_id,
            {"accessConfig": access, "paginationConfig": pagination},
            version=data_controller.VERSION,
            instance=data_controller.INSTANCE,
        )
        check(response)
        return response

    async def delete_data(self, token: str, endpoint_id: str, identifiers: list[str]) -> dict[str, Any]:
        response = await self._send(
            DC,
            "DeleteData",
            token,
            endpoint_id,
            {"accessConfig": by_identifier(identifiers)},
            version=data_controller.VERSION,
            instance=data_controller.INSTANCE,
        )
        check(response)
        return response

    async def detection_image(self, token: str, endpoint_id: str, item: dict[str, Any]) -> FetchedImage:
        """A detection's frame, asking again by its identifier when the URI expired."""

        async def again() -> str:
            page = await self.report_data(token, endpoint_id, by_identifier([item["eventIdentifier"]]))
            (found,) = page["event"]["payload"]["data"]
            return str(found["frameImageUri"])

        return await self.fetch(item["frameImageUri"], token, again)

    async def fetch(
        self, uri: str, token: str, again: Callable[[], Awaitable[str]] | None = None
    ) -> FetchedImage:
        """The image at `uri` as Alexa fetches it; on 410, once more at the URI `again` gets."""
        try:
            return await self.fetch_once(uri, token)
        except ImageRefused as exc:
            if exc.status != 410 or again is None:
                raise
        return await self.fetch_once(await again(), token)

    async def fetch_once(self, uri: str, token: str | None) -> FetchedImage:
        headers = {"Accept": ACCEPT}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        async with self.client.session.get(uri, headers=headers, allow_redirects=False) as response:
            if response.status != 200:
                raise ImageRefused(response.status, "not the image")
            content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
            data = await response.read()
        if content_type not in ("image/jpeg", "image/png") or image_type(data) != content_type:
            raise ImageRefused(200, f"content type {content_type!r} is not what the bytes are")
        size = image_size(data)
        if size is None or min(size) < MIN_SIDE_PX:
            raise ImageRefused(200, f"image of {size}: under {MIN_SIDE_PX} px on its shorter side")
        return FetchedImage(content_type, size[0], size[1], data)


def by_identifier(identifiers: list[str]) -> dict[str, Any]:
    return {"type": "BY_IDENTIFIER", "identifiers": identifiers}


def by_range(start: datetime, end: datetime) -> dict[str, Any]:
    return {
        "type": "BY_TIMESTAMP_RANGE",
        "timestampRange": {"start": start.isoformat(), "end": end.isoformat()},
    }
