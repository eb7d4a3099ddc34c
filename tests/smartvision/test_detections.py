"""The detections function: ObjectDetected, SnapshotTaken and DetectionsDeleted from the bus."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from localcloud.aws.device_events import device_event
from tests.alexa_skill.conftest import OWNER
from tests.smartvision.detections import CROP, FRAME, SNAP, detected, run
from tests.smartvision.media import MediaCloud


def test_a_detection_is_recorded_once_for_the_owner_at_detection_time(media: MediaCloud) -> None:
    assert run(detected(croppedMediaId=CROP), detected()) == []  # the second is a replay
    page = media.store.page(OWNER, "cam-1", limit=10)
    assert [(d.event_id, d.object_class, d.announced) for d in page.detections] == [("ev-1", "person", True)]
    assert page.detections[0].cropped_media_key == f"media/cam-1/{CROP}"


def test_refused_events_are_counted_and_store_nothing(
    media: MediaCloud, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = [
        detected("old", ago=3600),
        detected("future", ago=-3600),
        detected("dog", object_class="dog"),
        detected("no-media", mediaId="d" * 32),
        device_event("ObjectDetected", {"deviceId": "cam-1", "eventId": "x"}),
    ]
    assert run(*bad) == ["0", "1", "2", "3", "4"]
    assert media.store.page(OWNER, "cam-1", limit=10).detections == []
    out = capsys.readouterr().out
    for reason in ("too_old", "future", "class_not_detected", "media_missing"):
        assert f"DetectionEventsRefused_{reason}" in out
    assert "DetectionEventsMalformed" in out


def test_a_class_the_owner_turned_off_is_recorded_but_not_announced(media: MediaCloud) -> None:
    media.store.set_disabled_classes(OWNER, "cam-1", {"package"})
    assert run(detected("ev-2", object_class="package")) == []
    (only,) = media.store.page(OWNER, "cam-1", limit=10).detections
    assert (only.object_class, only.announced) == ("package", False)


def test_the_latest_snapshot_wins_whatever_the_arrival_order(media: MediaCloud) -> None:
    now = datetime.now(UTC)
    newer = device_event("SnapshotTaken", {"deviceId": "cam-1", "mediaId": SNAP, "takenAt": now.isoformat()})
    older_at = (now - timedelta(seconds=30)).isoformat()
    older = device_event("SnapshotTaken", {"deviceId": "cam-1", "mediaId": FRAME, "takenAt": older_at})
    assert run(newer, older) == []
    latest = media.store.latest_snapshot("cam-1")
    assert latest is not None and latest.media_key == f"media/cam-1/{SNAP}"


def test_detections_deleted_in_the_makers_app_are_gone_from_table_and_bucket(media: MediaCloud) -> None:
    assert run(detected("ev-1", croppedMediaId=CROP), detected("ev-2", mediaId=SNAP)) == []
    deleted = device_event("DetectionsDeleted", {"deviceId": "cam-1", "eventIds": ["ev-1"]})
    assert run(deleted) == []
    assert [d.event_id for d in media.store.page(OWNER, "cam-1", limit=10).detections] == ["ev-2"]
    assert not media.media.exists(f"media/cam-1/{CROP}") and not media.media.exists(f"media/cam-1/{FRAME}")
    assert media.media.exists(f"media/cam-1/{SNAP}")


def test_the_local_bootstrap_makes_a_private_media_bucket_and_an_expiring_detections_table(
    media: MediaCloud,
) -> None:
    import boto3

    block = boto3.client("s3").get_public_access_block(Bucket=media.media.bucket)
    assert all(block["PublicAccessBlockConfiguration"].values())
    ttl = boto3.client("dynamodb").describe_time_to_live(TableName=media.store.table_name)
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expiresAt"
