"""The SmartVision and DataController directives: parse the payload, call `Vision`, shape the
answer with the interface's own module (functions.common.alexa.smartvision), whose schema it meets.

A failure that is the interface's own (DataController's DATA_*_NOT_SUPPORTED, INVALID_VALUE...)
is answered with that interface's ErrorResponse; any other is a SkillError, answered with
Alexa.ErrorResponse as for every directive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from functions.alexa_skill.errors import ErrorType, SkillError
from functions.alexa_skill.messages import Directive
from functions.alexa_skill.vision import InvalidVisionRequest, NotSupported, Vision
from functions.common.alexa.smartvision import data_controller, object_detection, snapshot_provider
from functions.common.deadline import Deadline

P = TypeVar("P", bound=BaseModel)


@dataclass(frozen=True)
class Prebuilt:
    """An answer already shaped (and schema-checked in the tests) by its interface's module."""

    message: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return self.message

    @property
    def error_type(self) -> str | None:
        event = self.message["event"]
        return str(event["payload"]["type"]) if event["header"]["name"] == "ErrorResponse" else None


VisionRoute = Callable[[Directive, str, str, Vision, Deadline], Prebuilt]


def get_snapshot(
    directive: Directive, endpoint_id: str, token: str, vision: Vision, deadline: Deadline
) -> Prebuilt:
    # preferOnDemandSnapshot is accepted and not acted on: there is no downlink to the camera.
    _parse(snapshot_provider.GetSnapshotPayload, directive)
    try:
        uri, taken_at = vision.snapshot(token, endpoint_id, deadline)
    except NotSupported:
        raise SkillError(ErrorType.INVALID_DIRECTIVE, "This camera does not provide snapshots.") from None
    return Prebuilt(
        snapshot_provider.snapshot_response(endpoint_id, directive.header.correlation_token, uri, taken_at)
    )


def set_classes(
    directive: Directive, endpoint_id: str, token: str, vision: Vision, deadline: Deadline
) -> Prebuilt:
    payload = _parse(object_detection.SetClassesPayload, directive)
    wanted = [c.image_net_class for c in payload.object_detection_classes]
    try:
        enabled = vision.set_classes(token, endpoint_id, wanted, deadline)
    except NotSupported:
        raise SkillError(ErrorType.INVALID_DIRECTIVE, "This camera detects no objects.") from None
    except InvalidVisionRequest:
        raise SkillError(ErrorType.INVALID_VALUE, "The camera does not detect that class.") from None
    return Prebuilt(
        object_detection.set_classes_response(
            endpoint_id, directive.header.correlation_token, enabled, datetime.now(UTC)
        )
    )


def report_data(
    directive: Directive, endpoint_id: str, token: str, vision: Vision, deadline: Deadline
) -> Prebuilt:
    def answer() -> Prebuilt:
        payload = _parse(data_controller.ReportDataPayload, directive)
        items, next_token = vision.report(
            token, endpoint_id, payload.access_config, payload.pagination_config, deadline
        )
        correlation = directive.header.correlation_token
        return Prebuilt(data_controller.data_report(endpoint_id, correlation, items, next_token))

    return _data(directive, endpoint_id, "DATA_RETRIEVAL_NOT_SUPPORTED", answer)


def delete_data(
    directive: Directive, endpoint_id: str, token: str, vision: Vision, deadline: Deadline
) -> Prebuilt:
    def answer() -> Prebuilt:
        payload = _parse(data_controller.DeleteDataPayload, directive)
        vision.delete(token, endpoint_id, payload.access_config, deadline)
        return Prebuilt(data_controller.delete_response(endpoint_id, directive.header.correlation_token))

    return _data(directive, endpoint_id, "DATA_DELETION_NOT_SUPPORTED", answer)


ROUTES: dict[tuple[str, str], VisionRoute] = {
    (snapshot_provider.INTERFACE, "GetSnapshot"): get_snapshot,
    (object_detection.INTERFACE, "SetObjectDetectionClasses"): set_classes,
    (data_controller.INTERFACE, "ReportData"): report_data,
    (data_controller.INTERFACE, "DeleteData"): delete_data,
}


def _data(
    directive: Directive, endpoint_id: str, unsupported: str, answer: Callable[[], Prebuilt]
) -> Prebuilt:
    """A DataController answer, or DataController.ErrorResponse for the failures it documents."""
    correlation = directive.header.correlation_token
    if directive.header.instance not in (None, data_controller.INSTANCE):
        return _data_error(endpoint_id, correlation, "INVALID_VALUE", "No data controller of that instance.")
    try:
        return answer()
    except NotSupported:
        return _data_error(endpoint_id, correlation, unsupported, "This camera keeps no detections.")
    except InvalidVisionRequest as exc:
        return _data_error(endpoint_id, correlation, "INVALID_VALUE", str(exc))
    except SkillError as exc:
        if exc.type.value not in data_controller.ERROR_TYPES:
            raise
        return _data_error(endpoint_id, correlation, exc.type.value, exc.message)


def _data_error(endpoint_id: str, correlation: str | None, error_type: str, message: str) -> Prebuilt:
    return Prebuilt(data_controller.error_response(endpoint_id, correlation, error_type, message))


def _parse(model: type[P], directive: Directive) -> P:
    try:
        return model.model_validate(directive.payload)
    except ValidationError:
        raise SkillError(ErrorType.INVALID_DIRECTIVE) from None
