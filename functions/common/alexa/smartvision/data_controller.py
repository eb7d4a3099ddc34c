"""Alexa.DataController 1.0 for detection history: the discovery capability, `ReportData` ->
`DataReport`, the deletion directive and its answer, the event sent when the user deleted
detections in the maker's app, and `Alexa.DataController.ErrorResponse`.

From the docs: interface and version; every event and response names the instance (an endpoint
may hold several data controllers); the DataRetrievalSchema object (`type`, `schema`); `nextToken`
paging of `DataReport`; the ErrorResponse (payloadVersion "1.0", endpoint with scope, types
DATA_DELETION_NOT_SUPPORTED and DATA_RETRIEVAL_NOT_SUPPORTED beside Alexa's own). Not readable in
full in the stored page, so taken from our best reading and kept here only: the directive payload
(`accessConfig` by identifier or by timestamp range, `paginationConfig`), the names `DeleteData` /
`DeleteDataResponse` and `DataDeleted`, and the SmartVisionData item (the ObjectDetection item).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field, model_validator

from functions.common.alexa.envelope import Endpoint, ErrorPayload, Header, Model, Scope
from functions.common.alexa.smartvision import object_detection
from functions.common.alexa.smartvision.envelope import (
    error_schema,
    header_schema,
    message_schema,
)
from functions.common.alexa.smartvision.object_detection import ITEM_SCHEMA, DetectionItem

INTERFACE = "Alexa.DataController"
VERSION = "1.0"
INSTANCE = "Camera.SmartVisionData"
SCHEMA_NAME = "SmartVisionData"
ACCESS = ["BY_IDENTIFIER", "BY_TIMESTAMP_RANGE"]
ERROR_TYPES = [
    "DATA_DELETION_NOT_SUPPORTED",
    "DATA_RETRIEVAL_NOT_SUPPORTED",
    "INVALID_VALUE",
    "NO_SUCH_ENDPOINT",
    "INVALID_AUTHORIZATION_CREDENTIAL",
    "EXPIRED_AUTHORIZATION_CREDENTIAL",
    "INTERNAL_ERROR",
]
MAX_PAGE = 100
DEFAULT_PAGE = 25
MAX_IDENTIFIERS = 100

CAPABILITY: dict[str, Any] = {
    "type": "AlexaInterface",
    "interface": INTERFACE,
    "instance": INSTANCE,
    "version": VERSION,
    "configuration": {
        "targetCapability": {"name": object_detection.INTERFACE, "version": object_detection.VERSION},
        "dataRetrievalSchema": {"type": "JSON", "schema": SCHEMA_NAME},
        "supportedAccess": ACCESS,
    },
}
CAPABILITY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "interface", "instance", "version", "configuration"],
    "properties": {
        "type": {"const": "AlexaInterface"},
        "interface": {"const": INTERFACE},
        "instance": {"const": INSTANCE},
        "version": {"const": VERSION},
        "configuration": {
            "type": "object",
            "required": ["targetCapability", "dataRetrievalSchema", "supportedAccess"],
            "properties": {
                "targetCapability": {
                    "const": {"name": object_detection.INTERFACE, "version": object_detection.VERSION}
                },
                "dataRetrievalSchema": {"const": {"type": "JSON", "schema": SCHEMA_NAME}},
                "supportedAccess": {"type": "array", "items": {"enum": ACCESS}, "minItems": 1},
            },
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}


# --- directives ---------------------------------------------------------------------------


class TimestampRange(Model):
    start: AwareDatetime
    end: AwareDatetime


class AccessConfig(Model):
    type: Literal["BY_IDENTIFIER", "BY_TIMESTAMP_RANGE"]
    identifiers: (
        Annotated[
            list[Annotated[str, Field(min_length=1, max_length=256)]], Field(max_length=MAX_IDENTIFIERS)
        ]
        | None
    ) = None
    timestamp_range: TimestampRange | None = None

    @model_validator(mode="after")
    def _names_what_it_uses(self) -> AccessConfig:
        if self.type == "BY_IDENTIFIER" and not self.identifiers:
            raise ValueError("BY_IDENTIFIER needs identifiers")
        if self.type == "BY_TIMESTAMP_RANGE" and self.timestamp_range is None:
            raise ValueError("BY_TIMESTAMP_RANGE needs timestampRange")
        return self


class PaginationConfig(Model):
    max_results: Annotated[int, Field(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE
    next_token: Annotated[str, Field(min_length=1, max_length=2048)] | None = None


class ReportDataPayload(Model):
    access_config: AccessConfig
    pagination_config: PaginationConfig = Field(default_factory=PaginationConfig)


class DeleteDataPayload(Model):
    access_config: AccessConfig


# --- answers and events -------------------------------------------------------------------


class DataSchema(Model):
    type: Literal["JSON"] = "JSON"
    schema_: Literal["SmartVisionData"] = Field(default="SmartVisionData", alias="schema")


class PaginationContext(Model):
    next_token: str


class DataReportPayload(Model):
    pagination_context: PaginationContext | None = None
    data_schema: DataSchema = Field(default_factory=DataSchema)
    data: list[DetectionItem]


class DeletedPayload(Model):
    identifiers: Annotated[list[str], Field(min_length=1)]


class DataEvent(Model):
    header: Header
    endpoint: Endpoint
    payload: DataReportPayload | DeletedPayload | ErrorPayload | dict[str, Any]


class DataMessage(Model):
    event: DataEvent


def _header(name: str, correlation_token: str | None) -> Header:
    return Header(
        namespace=INTERFACE,
        name=name,
        instance=INSTANCE,
        payload_version=VERSION,
        correlation_token=correlation_token,
    )


def data_report(
    device_id: str, correlation_token: str | None, items: list[DetectionItem], next_token: str | None
) -> dict[str, Any]:
    payload = DataReportPayload(
        pagination_context=PaginationContext(next_token=next_token) if next_token else None, data=items
    )
    event = DataEvent(
        header=_header("DataReport", correlation_token),
        endpoint=Endpoint(endpoint_id=device_id),
        payload=payload,
    )
    return DataMessage(event=event).to_dict()


def delete_response(device_id: str, correlation_token: str | None) -> dict[str, Any]:
    event = DataEvent(
        header=_header("DeleteDataResponse", correlation_token),
        endpoint=Endpoint(endpoint_id=device_id),
        payload={},
    )
    return DataMessage(event=event).to_dict()


def data_deleted(device_id: str, token: str, identifiers: list[str]) -> dict[str, Any]:
    """Sent to the gateway when the user deleted detections in the maker's own app."""
    event = DataEvent(
        header=_header("DataDeleted", None),
        endpoint=Endpoint(scope=Scope(token=token), endpoint_id=device_id),
        payload=DeletedPayload(identifiers=identifiers),
    )
    return DataMessage(event=event).to_dict()


def error_response(
    device_id: str, correlation_token: str | None, error_type: str, message: str
) -> dict[str, Any]:
    header = Header(
        namespace=INTERFACE,
        name="ErrorResponse",
        payload_version=VERSION,
        correlation_token=correlation_token,
    )
    event = DataEvent(
        header=header,
        endpoint=Endpoint(endpoint_id=device_id),
        payload=ErrorPayload(type=error_type, message=message),
    )
    return DataMessage(event=event).to_dict()


DATA_REPORT_SCHEMA = message_schema(
    header_schema(INTERFACE, ["DataReport"], VERSION, instance=INSTANCE),
    {
        "type": "object",
        "required": ["dataSchema", "data"],
        "properties": {
            "paginationContext": {
                "type": "object",
                "required": ["nextToken"],
                "properties": {"nextToken": {"type": "string", "minLength": 1}},
                "additionalProperties": False,
            },
            "dataSchema": {"const": {"type": "JSON", "schema": SCHEMA_NAME}},
            "data": {"type": "array", "maxItems": MAX_PAGE, "items": ITEM_SCHEMA},
        },
        "additionalProperties": False,
    },
    scope_required=False,
)
DELETE_RESPONSE_SCHEMA = message_schema(
    header_schema(INTERFACE, ["DeleteDataResponse"], VERSION, instance=INSTANCE),
    {"type": "object", "maxProperties": 0},
    scope_required=False,
)
DATA_DELETED_SCHEMA = message_schema(
    header_schema(INTERFACE, ["DataDeleted"], VERSION, instance=INSTANCE),
    {
        "type": "object",
        "required": ["identifiers"],
        "properties": {
            "identifiers": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}}
        },
        "additionalProperties": False,
    },
    scope_required=True,
)
ERROR_SCHEMA = error_schema(INTERFACE, VERSION, ERROR_TYPES)
