"""The emulated gateway's check of discovery reports: SmartVision and DataController capabilities
against the project's schemas (the official one predates them), the rest against the official."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from functions.common.alexa.smartvision import data_controller, object_detection, snapshot_provider
from localcloud.alexa import schema as alexa_schema


def add_or_update(*capabilities: dict[str, Any]) -> dict[str, Any]:
    endpoint = {
        "endpointId": "cam-1",
        "manufacturerName": "Localcloud",
        "description": "camera",
        "friendlyName": "Door",
        "displayCategories": ["CAMERA"],
        "capabilities": [{"type": "AlexaInterface", "interface": "Alexa", "version": "3"}, *capabilities],
    }
    header = {
        "namespace": "Alexa.Discovery",
        "name": "AddOrUpdateReport",
        "payloadVersion": "3",
        "messageId": str(uuid.uuid4()),
    }
    scope = {"type": "BearerToken", "token": "token"}
    return {"event": {"header": header, "payload": {"endpoints": [endpoint], "scope": scope}}}


VISION = (object_detection.capability(["person"]), snapshot_provider.CAPABILITY, data_controller.CAPABILITY)


def test_a_report_with_smartvision_capabilities_is_accepted() -> None:
    assert alexa_schema.errors(add_or_update(*VISION)) == []


@pytest.mark.parametrize("wrong", [{"version": "9"}, {"configuration": {}}])
def test_a_wrong_smartvision_capability_is_refused(wrong: dict[str, Any]) -> None:
    detection = {**object_detection.capability(["person"]), **wrong}
    assert alexa_schema.errors(add_or_update(detection, snapshot_provider.CAPABILITY))


@pytest.mark.skipif(not alexa_schema.available(), reason="the official schema is not here")
def test_the_rest_of_the_report_is_still_checked_against_the_official_schema() -> None:
    report = add_or_update(*VISION)
    report["event"]["payload"]["endpoints"][0]["displayCategories"] = ["NOT_A_CATEGORY"]
    assert alexa_schema.errors(report)
