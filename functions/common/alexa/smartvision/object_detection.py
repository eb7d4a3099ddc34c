"""Alexa.SmartVision.ObjectDetectionSensor 1.0: the discovery capability, the `ObjectDetection`
event the events function sends, and the answer to `SetObjectDetectionClasses`.

From the docs: interface and version, that users enable the classes they want to hear about, and
the ErrorResponse (namespace of the interface, payloadVersion "1.0"). From the issue's facts (the
message sections of the stored page could not be read in full): `payload.events[]` and its
fields, `configuration.objectDetectionConfiguration`, the property `objectDetectionClasses`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from functions.common.alexa.envelope import Endpoint, Header, Model, Scope
from functions.common.alexa.properties import time_of_sample
from functions.common.alexa.smartvision.envelope import (
    HTTPS_URI,
    TIME_PATTERN,
    Time,
    header_schema,
    message_schema,
)

INTERFACE = "Alexa.SmartVision.ObjectDetectionSensor"
VERSION = "1.0"
PROPERTY = "objectDetectionClasses"
# Alexa's class names are lower-case words ("person", "package", "vehicle", ...).
CLASS_PATTERN = r"^[a-z][a-z_]{0,63}$"
MAX_CLASSES = 32
ImageNetClass = Annotated[str, Field(pattern=CLASS_PATTERN)]


class ClassEntry(Model):
    image_net_class: ImageNetClass


def class_entries(classes: list[str]) -> list[ClassEntry]:
    return [ClassEntry(image_net_class=c) for c in classes]


# --- discovery ----------------------------------------------------------------------------


class ObjectDetectionConfiguration(Model):
    object_detection_configuration: Annotated[list[ClassEntry], Field(min_length=1, max_length=MAX_CLASSES)]


_CLASS_LIST = {
    "type": "array",
    "minItems": 1,
    "maxItems": MAX_CLASSES,
    "items": {
        "type": "object",
        "required": ["imageNetClass"],
        "properties": {"imageNetClass": {"type": "string", "pattern": CLASS_PATTERN}},
        "additionalProperties": False,
    },
}
CAPABILITY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "interface", "version", "properties", "configuration"],
    "properties": {
        "type": {"const": "AlexaInterface"},
        "interface": {"const": INTERFACE},
        "version": {"const": VERSION},
        "properties": {
            "type": "object",
            "required": ["supported", "proactivelyReported", "retrievable"],
            "properties": {
                "supported": {"const": [{"name": PROPERTY}]},
                "proactivelyReported": {"type": "boolean"},
                "retrievable": {"type": "boolean"},
            },
            "additionalProperties": False,
        },
        "configuration": {
            "type": "object",
            "required": ["objectDetectionConfiguration"],
            "properties": {"objectDetectionConfiguration": _CLASS_LIST},
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}


# --- the ObjectDetection event ------------------------------------------------------------


class DetectionItem(Model):
    """One detected object; also the SmartVisionData item of a DataController DataReport."""

    event_identifier: Annotated[str, Field(min_length=1, max_length=256)]
    image_net_class: ImageNetClass
    time_of_sample: Time
    uncertainty_in_milliseconds: Annotated[int, Field(ge=0)] = 0
    object_identifier: Annotated[str, Field(min_length=1, max_length=256)]
    frame_image_uri: Annotated[str, Field(pattern=HTTPS_URI)]
    cropped_image_uri: Annotated[str, Field(pattern=HTTPS_URI)] | None = None


ITEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "eventIdentifier",
        "imageNetClass",
        "timeOfSample",
        "uncertaintyInMilliseconds",
        "objectIdentifier",
        "frameImageUri",
    ],
    "properties": {
        "eventIdentifier": {"type": "string", "minLength": 1, "maxLength": 256},
        "imageNetClass": {"type": "string", "pattern": CLASS_PATTERN},
        "timeOfSample": {"type": "string", "pattern": TIME_PATTERN},
        "uncertaintyInMilliseconds": {"type": "integer", "minimum": 0},
        "objectIdentifier": {"type": "string", "minLength": 1, "maxLength": 256},
        "frameImageUri": {"type": "string", "pattern": HTTPS_URI},
        "croppedImageUri": {"type": "string", "pattern": HTTPS_URI},
    },
    "additionalProperties": False,
}


class DetectionPayload(Model):
    events: Annotated[list[DetectionItem], Field(min_length=1)]


class DetectionEvent(Model):
    header: Header
    endpoint: Endpoint
    payload: DetectionPayload


class DetectionMessage(Model):
    event: DetectionEvent


EVENT_SCHEMA = message_schema(
    header_schema(INTERFACE, ["ObjectDetection"], VERSION),
    {
        "type": "object",
        "required": ["events"],
        "properties": {"events": {"type": "array", "minItems": 1, "items": ITEM_SCHEMA}},
        "additionalProperties": False,
    },
    scope_required=True,
)


def object_detection(device_id: str, token: str, items: list[DetectionItem]) -> dict[str, Any]:
    return DetectionMessage(
        event=DetectionEvent(
            header=Header(namespace=INTERFACE, name="ObjectDetection", payload_version=VERSION),
            endpoint=Endpoint(scope=Scope(token=token), endpoint_id=device_id),
            payload=DetectionPayload(events=items),
        )
    ).to_dict()


# --- SetObjectDetectionClasses --------------------------------------------------------------


class SetClassesPayload(Model):
    object_detection_classes: Annotated[list[ClassEntry], Field(max_length=MAX_CLASSES)]


class ClassesProperty(Model):
    namespace: Literal["Alexa.SmartVision.ObjectDetectionSensor"] = "Alexa.SmartVision.ObjectDetectionSensor"
    name: Literal["objectDetectionClasses"] = "objectDetectionClasses"
    value: list[ClassEntry]
    time_of_sample: Time
    uncertainty_in_milliseconds: int = 0


class ResponseContext(Model):
    properties: list[ClassesProperty]


class SetClassesEvent(Model):
    header: Header
    endpoint: Endpoint
    payload: dict[str, Any] = Field(default_factory=dict)


class SetClassesResponse(Model):
    context: ResponseContext
    event: SetClassesEvent


SET_CLASSES_RESPONSE_SCHEMA = message_schema(
    header_schema("Alexa", ["Response"], "3"),
    {"type": "object", "maxProperties": 0},
    scope_required=False,
    context={
        "type": "object",
        "required": ["properties"],
        "properties": {
            "properties": {
                "type": "array",
                "minItems": 1,
                "maxItems": 1,
                "items": {
                    "type": "object",
                    "required": ["namespace", "name", "value", "timeOfSample", "uncertaintyInMilliseconds"],
                    "properties": {
                        "namespace": {"const": INTERFACE},
                        "name": {"const": PROPERTY},
                        "value": {**_CLASS_LIST, "minItems": 0},
                        "timeOfSample": {"type": "string", "pattern": TIME_PATTERN},
                        "uncertaintyInMilliseconds": {"type": "integer", "minimum": 0},
                    },
                    "additionalProperties": False,
                },
            }
        },
        "additionalProperties": False,
    },
)


def set_classes_response(
    device_id: str, correlation_token: str | None, enabled: list[str], now: datetime
) -> dict[str, Any]:
    return SetClassesResponse(
        context=ResponseContext(
            properties=[ClassesProperty(value=class_entries(enabled), time_of_sample=time_of_sample(now))]
        ),
        event=SetClassesEvent(
            header=Header(
                namespace="Alexa", name="Response", payload_version="3", correlation_token=correlation_token
            ),
            endpoint=Endpoint(endpoint_id=device_id),
        ),
    ).to_dict()


def capability(classes: list[str]) -> dict[str, Any]:
    """The discovery capability of a camera detecting `classes` (which must not be empty). The
    classes the user enabled are the skill's to answer (SetObjectDetectionClasses), so the
    property is neither reported proactively nor retrievable."""
    return {
        "type": "AlexaInterface",
        "interface": INTERFACE,
        "version": VERSION,
        "properties": {"supported": [{"name": PROPERTY}], "proactivelyReported": False, "retrievable": False},
        "configuration": ObjectDetectionConfiguration(
            object_detection_configuration=class_entries(classes)
        ).to_dict(),
    }
