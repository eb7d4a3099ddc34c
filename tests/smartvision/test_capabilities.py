"""The registration contract: `objectDetectionClasses` and `snapshots` in DeviceRegistered /
DeviceUpdated are stored, and Discovery advertises each SmartVision interface only for the
cameras that have it."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pydantic import ValidationError

from functions.alexa_skill.handler import handler
from functions.common.alexa.smartvision import data_controller, object_detection, snapshot_provider
from functions.common.registry.store import Registry
from functions.device_lifecycle.events import parse_event
from localcloud.aws.lambda_context import LambdaContext
from tests.alexa_skill.conftest import OWNER, Cloud, assert_valid_response, discover
from tests.lifecycle.support import event, run
from tests.smartvision.schemas import assert_valid

SMARTVISION = {
    object_detection.INTERFACE: object_detection.CAPABILITY_SCHEMA,
    data_controller.INTERFACE: data_controller.CAPABILITY_SCHEMA,
    snapshot_provider.INTERFACE: snapshot_provider.CAPABILITY_SCHEMA,
}


def _discovered(cloud: Cloud) -> dict[str, dict[str, Any]]:
    response = handler(discover(cloud.issuer.mint(OWNER)), LambdaContext("alexa-skill"))
    # Ours against our schemas; the rest against the official one (which predates SmartVision).
    official = copy.deepcopy(response)
    for endpoint in official["event"]["payload"]["endpoints"]:
        ours = [c for c in endpoint["capabilities"] if c["interface"] in SMARTVISION]
        for capability in ours:
            assert_valid(capability, SMARTVISION[capability["interface"]])
        endpoint["capabilities"] = [c for c in endpoint["capabilities"] if c["interface"] not in SMARTVISION]
    assert_valid_response(official)
    endpoints = response["event"]["payload"]["endpoints"]
    return {e["endpointId"]: {c["interface"]: c for c in e["capabilities"]} for e in endpoints}


def test_discovery_advertises_detection_and_snapshots_only_where_the_camera_has_them(cloud: Cloud) -> None:
    cloud.camera("seeing", object_detection_classes=["person", "package"], full_duplex_audio=True)
    cloud.camera("snapping", snapshots=True)
    cloud.camera("plain")

    found = _discovered(cloud)

    seeing = found["seeing"]
    assert object_detection.INTERFACE in seeing and data_controller.INTERFACE in seeing
    assert snapshot_provider.INTERFACE not in seeing
    assert seeing[object_detection.INTERFACE]["configuration"] == {
        "objectDetectionConfiguration": [{"imageNetClass": "person"}, {"imageNetClass": "package"}]
    }
    assert seeing[data_controller.INTERFACE]["instance"] == data_controller.INSTANCE
    assert seeing["Alexa.RTCSessionController"]["configuration"] == {"isFullDuplexAudioSupported": True}
    assert set(found["snapping"]) & set(SMARTVISION) == {snapshot_provider.INTERFACE}
    assert set(found["plain"]) & set(SMARTVISION) == set()


def test_registration_stores_classes_and_snapshots_and_an_update_keeps_what_it_leaves_out(
    lifecycle: Registry,
) -> None:
    registered = event(
        "DeviceRegistered", "cam-1", objectDetectionClasses=["person", "person"], snapshots=True
    )
    assert run(registered) == []
    device = lifecycle.get("cam-1")
    assert device is not None
    assert (device.object_detection_classes, device.snapshots) == (["person"], True)

    assert run(event("DeviceUpdated", "cam-1", at=1, friendlyName="Porch")) == []
    device = lifecycle.get("cam-1")
    assert device is not None and (device.object_detection_classes, device.snapshots) == (["person"], True)

    assert run(event("DeviceUpdated", "cam-1", at=2, objectDetectionClasses=[], snapshots=False)) == []
    device = lifecycle.get("cam-1")
    assert device is not None and (device.object_detection_classes, device.snapshots) == ([], False)


@pytest.mark.parametrize("classes", [["Person"], [""], "person", [1]])
def test_class_names_that_are_not_alexas_are_refused(classes: object) -> None:
    body = event("DeviceRegistered", "cam-1", objectDetectionClasses=classes)
    with pytest.raises(ValidationError):
        parse_event(json.dumps(body))
