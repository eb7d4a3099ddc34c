"""Detection device events through the detections handler, with a camera and its uploads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from functions.detections import handler as detections_handler
from localcloud.aws.device_events import device_event
from localcloud.aws.lambda_context import LambdaContext
from tests.lifecycle.support import sqs_event

FRAME, CROP, SNAP = "a" * 32, "b" * 32, "c" * 32


def detected(event_id: str = "ev-1", *, ago: float = 1, object_class: str = "person", **extra: Any) -> dict:
    at = datetime.now(UTC) - timedelta(seconds=ago)
    detail = {
        "deviceId": "cam-1",
        "eventId": event_id,
        "objectClass": object_class,
        "detectedAt": at.isoformat(),
        "mediaId": FRAME,
        **extra,
    }
    return device_event("ObjectDetected", detail)


def run(*bodies: dict) -> list[str]:
    """Failed message ids of one batch."""
    batch = sqs_event(*bodies)
    ids = [r["messageId"] for r in batch["Records"]]
    response = detections_handler.handler(batch, LambdaContext("detections"))
    failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
    return [str(ids.index(i)) for i in ids if i in failed]
