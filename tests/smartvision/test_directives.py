"""The skill's SmartVision and DataController directives, through the skill handler with its real
token check, against the emulated detections table and media bucket. Every answer is checked
against the project's schema for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from functions.alexa_skill.handler import handler
from functions.common.alexa.smartvision import data_controller, object_detection, snapshot_provider
from functions.common.detections.store import Snapshot
from functions.common.registry.store import event_time_key
from localcloud.aws.device_events import device_event
from localcloud.aws.lambda_context import LambdaContext
from tests.alexa_skill.conftest import OTHER, OWNER, Cloud, endpoint_directive, report_state
from tests.smartvision.detections import CROP, FRAME, SNAP, detected, run
from tests.smartvision.media import MEDIA_URL_BASE, MediaCloud
from tests.smartvision.schemas import assert_valid

DC = data_controller.INTERFACE


def invoke(directive: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = handler(directive, LambdaContext("alexa-skill"))
    return response


def get_snapshot(cloud: Cloud, user: str = OWNER, endpoint: str = "cam-1") -> dict[str, Any]:
    directive = endpoint_directive(
        snapshot_provider.INTERFACE,
        "GetSnapshot",
        endpoint,
        cloud.issuer.mint(user),
        {"preferOnDemandSnapshot": False},
    )
    directive["directive"]["header"]["payloadVersion"] = snapshot_provider.VERSION
    return invoke(directive)


def data_directive(cloud: Cloud, name: str, payload: dict[str, Any], user: str = OWNER) -> dict[str, Any]:
    directive = endpoint_directive(DC, name, "cam-1", cloud.issuer.mint(user), payload)
    directive["directive"]["header"] |= {
        "payloadVersion": data_controller.VERSION,
        "instance": data_controller.INSTANCE,
    }
    return invoke(directive)


NOW = datetime.now(UTC) + timedelta(minutes=30)  # one range for every page of a query


def by_range(hours: int = 1, **pagination: Any) -> dict[str, Any]:
    now = NOW
    return {
        "accessConfig": {
            "type": "BY_TIMESTAMP_RANGE",
            "timestampRange": {"start": (now - timedelta(hours=hours)).isoformat(), "end": now.isoformat()},
        },
        "paginationConfig": pagination,
    }


def snapshot_taken(media_id: str, at: datetime, device: str = "cam-1") -> dict[str, Any]:
    return device_event("SnapshotTaken", {"deviceId": device, "mediaId": media_id, "takenAt": at.isoformat()})


def ref_owner(media: MediaCloud, uri: str) -> tuple[str, str]:
    assert uri.startswith(f"{MEDIA_URL_BASE}/media/"), uri
    found = media.store.ref(uri.rsplit("/", 1)[1])
    assert found is not None
    return found.owner_id, found.media_key


# --- GetSnapshot ----------------------------------------------------------------------------


def test_get_snapshot_answers_the_latest_fresh_snapshot(cloud: Cloud, media: MediaCloud) -> None:
    taken = datetime.now(UTC) - timedelta(seconds=5)
    assert run(snapshot_taken(SNAP, taken)) == []
    response = get_snapshot(cloud)
    assert_valid(response, snapshot_provider.RESPONSE_SCHEMA)
    payload = response["event"]["payload"]
    assert ref_owner(media, payload["snapshotUri"]) == (OWNER, f"media/cam-1/{SNAP}")
    assert payload["timeOfSample"].startswith(taken.strftime("%Y-%m-%dT%H:%M:%S"))


def test_no_fresh_snapshot_is_an_error_never_an_empty_uri(cloud: Cloud, media: MediaCloud) -> None:
    none_yet = get_snapshot(cloud)
    media.store.record_snapshot("cam-1", _snapshot(SNAP, datetime.now(UTC) - timedelta(hours=2)), 2**31)
    stale = get_snapshot(cloud)  # older than the freshness bound
    for response in (none_yet, stale):
        assert response["event"]["header"]["name"] == "ErrorResponse"
        assert response["event"]["payload"]["type"] == "ENDPOINT_UNREACHABLE"


def _snapshot(media_id: str, at: datetime) -> Snapshot:
    return Snapshot(f"media/cam-1/{media_id}", event_time_key(at))


def test_a_doorbell_answers_the_image_of_its_latest_press(cloud: Cloud, media: MediaCloud) -> None:
    pressed = datetime.now(UTC) - timedelta(hours=2)  # long past the freshness bound
    cloud.camera("bell-1", doorbell=True, snapshots=True)
    assert cloud.registry.record_press("bell-1", (event_time_key(pressed), "press-1"))
    key = f"media/bell-1/{SNAP}"
    media.put_image(key)
    media.store.record_snapshot(
        "bell-1", Snapshot(key, event_time_key(pressed + timedelta(seconds=1))), 2**31
    )
    response = get_snapshot(cloud, endpoint="bell-1")
    assert_valid(response, snapshot_provider.RESPONSE_SCHEMA)
    assert ref_owner(media, response["event"]["payload"]["snapshotUri"]) == (OWNER, key)


def test_another_users_camera_gets_no_snapshot(cloud: Cloud, media: MediaCloud) -> None:
    assert run(snapshot_taken(SNAP, datetime.now(UTC))) == []
    response = get_snapshot(cloud, user=OTHER)
    assert response["event"]["payload"]["type"] == "NO_SUCH_ENDPOINT"


# --- SetObjectDetectionClasses --------------------------------------------------------------


def set_classes(cloud: Cloud, classes: list[str]) -> dict[str, Any]:
    payload = {"objectDetectionClasses": [{"imageNetClass": c} for c in classes]}
    directive = endpoint_directive(
        object_detection.INTERFACE, "SetObjectDetectionClasses", "cam-1", cloud.issuer.mint(OWNER), payload
    )
    directive["directive"]["header"]["payloadVersion"] = object_detection.VERSION
    return invoke(directive)


def test_set_object_detection_classes_is_stored_and_answered_with_the_property(
    cloud: Cloud, media: MediaCloud
) -> None:
    response = set_classes(cloud, ["package"])
    assert_valid(response, object_detection.SET_CLASSES_RESPONSE_SCHEMA)
    (prop,) = response["context"]["properties"]
    assert (prop["name"], prop["value"]) == ("objectDetectionClasses", [{"imageNetClass": "package"}])
    assert media.store.disabled_classes(OWNER, "cam-1") == {"person"}
    # The next person is recorded, not announced.
    assert run(detected("ev-1")) == []
    assert media.store.page(OWNER, "cam-1", limit=5).detections[0].announced is False


def test_a_class_the_camera_does_not_detect_is_an_invalid_value(cloud: Cloud, media: MediaCloud) -> None:
    response = set_classes(cloud, ["dog"])
    assert response["event"]["payload"]["type"] == "INVALID_VALUE"
    assert media.store.disabled_classes(OWNER, "cam-1") == set()


def test_report_state_of_a_detecting_camera_stays_valid(cloud: Cloud, media: MediaCloud) -> None:
    # objectDetectionClasses is advertised as not retrievable, so ReportState does not carry it.
    response = cloud.invoke(report_state("cam-1", cloud.issuer.mint(OWNER)))
    assert [p["name"] for p in response["context"]["properties"]] == ["connectivity"]


# --- DataController -------------------------------------------------------------------------


def record(count: int) -> None:
    bodies = [detected(f"ev-{i}", ago=count - i, croppedMediaId=CROP) for i in range(count)]
    assert run(*bodies) == []


def test_report_data_pages_newest_first_with_next_token(cloud: Cloud, media: MediaCloud) -> None:
    record(5)
    seen: list[str] = []
    token: str | None = None
    while True:
        pagination = {"maxResults": 2} | ({"nextToken": token} if token else {})
        response = data_directive(cloud, "ReportData", by_range(**pagination))
        assert_valid(response, data_controller.DATA_REPORT_SCHEMA)
        payload = response["event"]["payload"]
        for item in payload["data"]:
            assert ref_owner(media, item["frameImageUri"]) == (OWNER, f"media/cam-1/{FRAME}")
        seen += [item["eventIdentifier"] for item in payload["data"]]
        token = payload.get("paginationContext", {}).get("nextToken")
        if token is None:
            break
    assert seen == [f"ev-{i}" for i in reversed(range(5))]


def test_report_data_by_identifier_and_never_another_users(cloud: Cloud, media: MediaCloud) -> None:
    record(3)
    ids = {"accessConfig": {"type": "BY_IDENTIFIER", "identifiers": ["ev-0", "ev-2", "nope"]}}
    response = data_directive(cloud, "ReportData", ids)
    assert_valid(response, data_controller.DATA_REPORT_SCHEMA)
    assert [i["eventIdentifier"] for i in response["event"]["payload"]["data"]] == ["ev-2", "ev-0"]
    refused = data_directive(cloud, "ReportData", ids, user=OTHER)
    assert_valid(refused, data_controller.ERROR_SCHEMA)
    assert refused["event"]["payload"]["type"] == "NO_SUCH_ENDPOINT"


def test_a_foreign_next_token_is_an_invalid_value(cloud: Cloud, media: MediaCloud) -> None:
    record(3)
    first = data_directive(cloud, "ReportData", by_range(maxResults=1))
    token = first["event"]["payload"]["paginationContext"]["nextToken"]
    other_range = by_range(hours=2, maxResults=1, nextToken=token)
    response = data_directive(cloud, "ReportData", other_range)
    assert_valid(response, data_controller.ERROR_SCHEMA)
    assert response["event"]["payload"]["type"] == "INVALID_VALUE"


def test_a_camera_without_detection_answers_retrieval_not_supported(cloud: Cloud, media: MediaCloud) -> None:
    cloud.camera("cam-2", snapshots=True)  # registered without classes
    directive = endpoint_directive(DC, "ReportData", "cam-2", cloud.issuer.mint(OWNER), by_range())
    response = invoke(directive)
    assert_valid(response, data_controller.ERROR_SCHEMA)
    assert response["event"]["payload"]["type"] == "DATA_RETRIEVAL_NOT_SUPPORTED"


def test_delete_data_removes_rows_and_media(cloud: Cloud, media: MediaCloud) -> None:
    record(2)
    ids = {"accessConfig": {"type": "BY_IDENTIFIER", "identifiers": ["ev-0"]}}
    assert (
        data_directive(cloud, "DeleteData", ids, user=OTHER)["event"]["payload"]["type"] == "NO_SUCH_ENDPOINT"
    )
    response = data_directive(cloud, "DeleteData", ids)
    assert_valid(response, data_controller.DELETE_RESPONSE_SCHEMA)
    assert [d.event_id for d in media.store.page(OWNER, "cam-1", limit=10).detections] == ["ev-1"]
    # ev-1 shares the frame and crop keys in this test, so delete the rest by range and check the bucket.
    assert_valid(data_directive(cloud, "DeleteData", by_range()), data_controller.DELETE_RESPONSE_SCHEMA)
    assert media.store.page(OWNER, "cam-1", limit=10).detections == []
    keys = boto3.client("s3").list_objects_v2(Bucket=media.media.bucket).get("Contents", [])
    assert {k["Key"] for k in keys} == {f"media/cam-1/{SNAP}"}
