"""Each interface's builders produce what its schema allows, and the schemas refuse what the docs
forbid (an empty snapshot URI, a missing instance, an http image URI)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import jsonschema
import pytest

from functions.common.alexa.smartvision import data_controller, object_detection, snapshot_provider
from functions.common.alexa.smartvision.object_detection import DetectionItem
from tests.smartvision.schemas import assert_invalid, assert_valid

NOW = datetime(2026, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)
ITEM = DetectionItem(
    event_identifier="ev-1",
    image_net_class="person",
    time_of_sample="2026-05-01T10:00:00.123Z",
    object_identifier="ev-1",
    frame_image_uri="https://media.example/media/abc",
)

SCHEMAS = [
    object_detection.EVENT_SCHEMA,
    object_detection.SET_CLASSES_RESPONSE_SCHEMA,
    object_detection.CAPABILITY_SCHEMA,
    snapshot_provider.RESPONSE_SCHEMA,
    snapshot_provider.CAPABILITY_SCHEMA,
    data_controller.DATA_REPORT_SCHEMA,
    data_controller.DELETE_RESPONSE_SCHEMA,
    data_controller.DATA_DELETED_SCHEMA,
    data_controller.ERROR_SCHEMA,
    data_controller.CAPABILITY_SCHEMA,
]


@pytest.mark.parametrize("schema", SCHEMAS)
def test_every_schema_is_a_valid_json_schema(schema: dict) -> None:
    jsonschema.Draft202012Validator.check_schema(schema)


def test_object_detection_event_fits_its_schema() -> None:
    message = object_detection.object_detection("cam-1", "token", [ITEM])
    assert_valid(message, object_detection.EVENT_SCHEMA)
    assert message["event"]["header"]["payloadVersion"] == "1.0"
    assert message["event"]["endpoint"]["scope"] == {"type": "BearerToken", "token": "token"}
    insecure = copy.deepcopy(message)
    insecure["event"]["payload"]["events"][0]["frameImageUri"] = "http://media.example/x"
    assert_invalid(insecure, object_detection.EVENT_SCHEMA)


def test_set_classes_response_reports_the_enabled_classes() -> None:
    message = object_detection.set_classes_response("cam-1", "corr", ["person"], NOW)
    assert_valid(message, object_detection.SET_CLASSES_RESPONSE_SCHEMA)
    assert message["context"]["properties"][0]["value"] == [{"imageNetClass": "person"}]


def test_snapshot_response_never_has_an_empty_uri() -> None:
    message = snapshot_provider.snapshot_response("cam-1", "corr", "https://m.example/media/x", NOW)
    assert_valid(message, snapshot_provider.RESPONSE_SCHEMA)
    message["event"]["payload"]["snapshotUri"] = ""
    assert_invalid(message, snapshot_provider.RESPONSE_SCHEMA)


def test_data_controller_messages_name_their_instance() -> None:
    report = data_controller.data_report("cam-1", "corr", [ITEM], "next")
    assert_valid(report, data_controller.DATA_REPORT_SCHEMA)
    assert_valid(data_controller.data_report("cam-1", "corr", [], None), data_controller.DATA_REPORT_SCHEMA)
    assert_valid(data_controller.delete_response("cam-1", "corr"), data_controller.DELETE_RESPONSE_SCHEMA)
    assert_valid(data_controller.data_deleted("cam-1", "tok", ["ev-1"]), data_controller.DATA_DELETED_SCHEMA)
    error = data_controller.error_response("cam-1", "corr", "DATA_RETRIEVAL_NOT_SUPPORTED", "no detections")
    assert_valid(error, data_controller.ERROR_SCHEMA)
    del report["event"]["header"]["instance"]
    assert_invalid(report, data_controller.DATA_REPORT_SCHEMA)


def test_report_data_directive_needs_what_its_access_type_names() -> None:
    ok = {"accessConfig": {"type": "BY_IDENTIFIER", "identifiers": ["ev-1"]}}
    assert data_controller.ReportDataPayload.model_validate(ok).pagination_config.max_results == 25
    with pytest.raises(ValueError, match="timestampRange"):
        data_controller.ReportDataPayload.model_validate({"accessConfig": {"type": "BY_TIMESTAMP_RANGE"}})
