"""What every SmartVision and DataController message shares, as JSON schema fragments (the other
modules compose them; the models they validate are `functions.common.alexa.envelope`'s)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from functions.common.alexa.envelope import ENDPOINT_ID_PATTERN

# A UTC instant in whole or fractional seconds, as Alexa writes them ("2026-01-01T10:00:00.00Z").
TIME_PATTERN = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$"
HTTPS_URI = r"^https://\S+$"
Time = Annotated[str, Field(pattern=TIME_PATTERN)]


def header_schema(
    namespace: str, names: list[str], payload_version: str, *, instance: str | None = None
) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "namespace": {"const": namespace},
        "name": {"enum": names},
        "messageId": {"type": "string", "minLength": 1},
        "correlationToken": {"type": "string", "minLength": 1},
        "payloadVersion": {"const": payload_version},
    }
    required = ["namespace", "name", "messageId", "payloadVersion"]
    if instance is not None:
        properties["instance"] = {"const": instance}
        required.append("instance")
    return {"type": "object", "required": required, "properties": properties, "additionalProperties": False}


def endpoint_schema(*, scope_required: bool) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["endpointId", "scope"] if scope_required else ["endpointId"],
        "properties": {
            "endpointId": {"type": "string", "pattern": ENDPOINT_ID_PATTERN},
            "scope": {
                "type": "object",
                "required": ["type", "token"],
                "properties": {"type": {"const": "BearerToken"}, "token": {"type": "string", "minLength": 1}},
                "additionalProperties": False,
            },
        },
        "additionalProperties": False,
    }


def message_schema(
    header: dict[str, Any],
    payload: dict[str, Any],
    *,
    scope_required: bool,
    context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A whole message: `{"event": {header, endpoint, payload}}`, and `context` when given."""
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": ["event"],
        "properties": {
            "event": {
                "type": "object",
                "required": ["header", "endpoint", "payload"],
                "properties": {
                    "header": header,
                    "endpoint": endpoint_schema(scope_required=scope_required),
                    "payload": payload,
                },
                "additionalProperties": False,
            }
        },
        "additionalProperties": False,
    }
    if context is not None:
        schema["properties"]["context"] = context
        schema["required"].append("context")
    return schema


def error_schema(namespace: str, payload_version: str, types: list[str]) -> dict[str, Any]:
    """An interface's own ErrorResponse: `type` one of `types`, a `message` Alexa does not show."""
    payload = {
        "type": "object",
        "required": ["type", "message"],
        "properties": {"type": {"enum": types}, "message": {"type": "string", "minLength": 1}},
        "additionalProperties": False,
    }
    return message_schema(
        header_schema(namespace, ["ErrorResponse"], payload_version), payload, scope_required=False
    )
