"""Checks an event against the official Alexa Smart Home message schema, the way the emulated
gateway and the tests do. The schema is not part of this project (Amazon Software License): it
is read from ``ALEXA_SMARTHOME_REFERENCE`` or ``../shared/reference/alexa-smarthome`` next to the
repository. The official schema has no DeleteReport; it is checked against its documented shape.
The official schema predates SmartVision and DataController: their events, and their
capabilities in discovery reports, are checked against the project's own schemas
(functions.common.alexa.smartvision), with or without the official one; the rest of a discovery report
is checked against the official schema as always.
"""

from __future__ import annotations

import copy
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from functions.common.alexa.smartvision import data_controller, object_detection, snapshot_provider

SCHEMA_PATH = Path("validation_schemas") / "alexa_smart_home_message_schema.json"
_ENDPOINT_ID = {"type": "string", "pattern": "^[a-zA-Z0-9_\\-=#;:?@&]*$", "minLength": 1, "maxLength": 256}
# From the Alexa.Discovery interface documentation ("DeleteReport event").
DELETE_REPORT: dict[str, Any] = {
    "type": "object",
    "required": ["event"],
    "additionalProperties": False,
    "properties": {
        "event": {
            "type": "object",
            "required": ["header", "payload"],
            "additionalProperties": False,
            "properties": {
                "header": {
                    "type": "object",
                    "required": ["namespace", "name", "payloadVersion", "messageId"],
                    "additionalProperties": False,
                    "properties": {
                        "namespace": {"enum": ["Alexa.Discovery"]},
                        "name": {"enum": ["DeleteReport"]},
                        "payloadVersion": {"enum": ["3"]},
                        "messageId": {"type": "string", "pattern": "^[a-zA-Z0-9\\-]*$", "minLength": 1},
                    },
                },
                "payload": {
                    "type": "object",
                    "required": ["endpoints", "scope"],
                    "additionalProperties": False,
                    "properties": {
                        "endpoints": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": 300,
                            "items": {
                                "type": "object",
                                "required": ["endpointId"],
                                "additionalProperties": False,
                                "properties": {"endpointId": _ENDPOINT_ID},
                            },
                        },
                        "scope": {
                            "type": "object",
                            "required": ["type", "token"],
                            "additionalProperties": False,
                            "properties": {
                                "type": {"enum": ["BearerToken"]},
                                "token": {"type": "string", "minLength": 1},
                            },
                        },
                    },
                },
            },
        }
    },
}


def reference_dir() -> Path:
    configured = os.environ.get("ALEXA_SMARTHOME_REFERENCE")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "alexa-smarthome"


def available() -> bool:
    return (reference_dir() / SCHEMA_PATH).is_file()


@cache
def _official() -> dict[tuple[str, str], list[jsonschema.Draft4Validator]]:
    """The schema's `oneOf` branches by the (namespace, name) their header allows, each a validator
    of its own: checking one event against its branch, not against all of them, is the same
    verdict at a fraction of the cost."""
    schema = json.loads((reference_dir() / SCHEMA_PATH).read_text())
    branches: dict[tuple[str, str], list[jsonschema.Draft4Validator]] = {}
    for branch in _leaves(schema["oneOf"]):
        header = branch.get("properties", {}).get("event", {}).get("properties", {}).get("header", {})
        fields = header.get("properties", {})
        validator = jsonschema.Draft4Validator({"definitions": schema["definitions"], **branch})
        for namespace in fields.get("namespace", {}).get("enum", []):
            for name in fields.get("name", {}).get("enum", []):
                branches.setdefault((namespace, name), []).append(validator)
    return branches


def _leaves(branches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The message branches, with nested `oneOf` groups (the proactive events) flattened."""
    found: list[dict[str, Any]] = []
    for branch in branches:
        nested = "oneOf" in branch and "properties" not in branch
        found.extend(_leaves(branch["oneOf"]) if nested else [branch])
    return found


_DELETE = jsonschema.Draft4Validator(DELETE_REPORT)
_PROJECT_EVENTS = {
    (object_detection.INTERFACE, "ObjectDetection"): jsonschema.Draft202012Validator(
        object_detection.EVENT_SCHEMA
    ),
    (data_controller.INTERFACE, "DataDeleted"): jsonschema.Draft202012Validator(
        data_controller.DATA_DELETED_SCHEMA
    ),
}

_PROJECT_CAPABILITIES = {
    module.INTERFACE: jsonschema.Draft202012Validator(module.CAPABILITY_SCHEMA)
    for module in (object_detection, snapshot_provider, data_controller)
}


def _own_capabilities_apart(message: Any) -> tuple[Any, list[str]]:
    """A discovery report without the capabilities the project's schemas own, and what is wrong
    with those (a message of another shape is returned as it is)."""
    try:
        endpoints = message["event"]["payload"]["endpoints"]
        if not any(c.get("interface") in _PROJECT_CAPABILITIES for e in endpoints for c in e["capabilities"]):
            return message, []
    except (KeyError, TypeError, AttributeError):
        return message, []
    rest = copy.deepcopy(message)
    problems: list[str] = []
    for n, endpoint in enumerate(rest["event"]["payload"]["endpoints"]):
        kept = []
        for capability in endpoint["capabilities"]:
            validator = _PROJECT_CAPABILITIES.get(capability.get("interface"))
            if validator is None:
                kept.append(capability)
            else:
                found = _problems(validator, capability)
                problems.extend(f"event/payload/endpoints/{n}/capabilities: {p}" for p in found)
        endpoint["capabilities"] = kept
    return rest, problems


def errors(message: Any) -> list[str]:
    """Why `message` is not a valid event (empty when it is). Without the official schema only
    DeleteReport is checked (the local cloud warns about it at start)."""
    event = message.get("event") if isinstance(message, dict) else None
    header = event.get("header") if isinstance(event, dict) else None
    is_delete = isinstance(header, dict) and header.get("name") == "DeleteReport"
    if is_delete:
        return _problems(_DELETE, message)
    key = (header.get("namespace"), header.get("name")) if isinstance(header, dict) else None
    own = _PROJECT_EVENTS.get(key) if key else None  # type: ignore[arg-type]
    if own is not None:
        return _problems(own, message)
    message, own_problems = _own_capabilities_apart(message)
    if own_problems:
        return own_problems
    if not available():
        return [] if isinstance(event, dict) else ["event: required"]
    candidates = _official().get(key, []) if key else []  # type: ignore[arg-type]
    if not candidates:
        return [f"event/header: no message type {key} in the official schema"]
    verdicts = [_problems(v, message) for v in candidates]
    return [] if any(not v for v in verdicts) else verdicts[0]


def _problems(validator: jsonschema.protocols.Validator, message: Any) -> list[str]:
    found = validator.iter_errors(message)
    return sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in found)
