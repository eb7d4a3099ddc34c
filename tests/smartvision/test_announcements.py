"""Detections reach the owner's Alexa: the detections function queues, the events function sends
`ObjectDetection` and `DataDeleted` through the emulated gateway, each valid by our schemas."""

from __future__ import annotations

import json
from typing import Any

import boto3

from functions.common.alexa.smartvision import data_controller, object_detection
from localcloud.aws.device_events import device_event
from tests.alexa_events.conftest import Outbound
from tests.alexa_skill.conftest import OTHER, OWNER
from tests.smartvision.detections import CROP, FRAME, detected, run
from tests.smartvision.media import MEDIA_URL_BASE, MediaCloud
from tests.smartvision.schemas import assert_valid


def sent(outbound: Outbound) -> list[tuple[str, dict[str, Any]]]:
    return list(outbound.alexa.gateway.accepted)


def ref_of(uri: str) -> str:
    prefix = f"{MEDIA_URL_BASE}/media/"
    assert uri.startswith(prefix), uri
    return uri.removeprefix(prefix)


def test_a_detection_is_announced_once_to_the_owner_with_its_images(
    media: MediaCloud, outbound: Outbound
) -> None:
    outbound.link(OWNER)
    assert run(detected("ev-1", croppedMediaId=CROP), detected("ev-1", croppedMediaId=CROP)) == []
    assert outbound.deliver() == []
    assert run(detected("ev-1", croppedMediaId=CROP)) == []  # a later replay
    assert outbound.deliver() == []

    ((user, message),) = sent(outbound)
    assert user == OWNER
    assert_valid(message, object_detection.EVENT_SCHEMA)
    assert message["event"]["endpoint"]["endpointId"] == "cam-1"
    (item,) = message["event"]["payload"]["events"]
    assert (item["eventIdentifier"], item["imageNetClass"]) == ("ev-1", "person")
    frame, cropped = (
        media.store.ref(ref_of(item["frameImageUri"])),
        media.store.ref(ref_of(item["croppedImageUri"])),
    )
    assert frame is not None and cropped is not None
    assert (frame.owner_id, frame.media_key) == (OWNER, f"media/cam-1/{FRAME}")
    assert (cropped.owner_id, cropped.media_key) == (OWNER, f"media/cam-1/{CROP}")


def test_a_class_turned_off_is_not_announced(media: MediaCloud, outbound: Outbound) -> None:
    outbound.link(OWNER)
    media.store.set_disabled_classes(OWNER, "cam-1", {"person"})
    assert run(detected("ev-1"), detected("ev-2", object_class="package")) == []
    assert outbound.deliver() == []
    ((_, message),) = sent(outbound)
    assert message["event"]["payload"]["events"][0]["imageNetClass"] == "package"


def test_detections_deleted_in_the_makers_app_are_told_to_the_owner(
    media: MediaCloud, outbound: Outbound
) -> None:
    outbound.link(OWNER)
    outbound.link(OTHER)
    assert run(detected("ev-1"), detected("ev-2")) == []
    outbound.queued()  # the announcements are not what this test is about
    assert run(device_event("DetectionsDeleted", {"deviceId": "cam-1", "eventIds": ["ev-1", "ev-1"]})) == []
    assert outbound.deliver() == []
    ((user, message),) = sent(outbound)
    assert user == OWNER
    assert_valid(message, data_controller.DATA_DELETED_SCHEMA)
    assert message["event"]["header"]["instance"] == data_controller.INSTANCE
    assert message["event"]["payload"] == {"identifiers": ["ev-1"]}


def test_an_outbound_message_of_an_unknown_type_is_refused(media: MediaCloud, outbound: Outbound) -> None:
    outbound.link(OWNER)
    body = json.dumps({"type": "SomethingNew", "deviceId": "cam-1", "eventId": "e-1", "ownerId": OWNER})
    boto3.client("sqs").send_message(QueueUrl=outbound.env["ALEXA_EVENTS_QUEUE_URL"], MessageBody=body)
    messages = outbound.queued()
    assert outbound.send(messages) == [messages[0]["MessageId"]]
    assert sent(outbound) == []
