"""The local cloud's queue pollers long-poll, as event source mappings do: a message queued while
a poll waits reaches its function at once, not at the next tick of a timer."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import boto3
import pytest

from localcloud.aws.device_events import device_event
from localcloud.aws.invoke import Invoker


def test_a_long_poll_takes_a_message_queued_while_it_waits(
    cloud_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIA_URL_BASE", "https://127.0.0.1:9")
    invoker = Invoker(cloud_env)
    drained: dict[str, Any] = {}
    poll = threading.Thread(target=lambda: drained.update(invoker.drain_detections_queue(wait_s=5)))
    poll.start()
    time.sleep(0.3)  # the poll is waiting on an empty queue
    event = device_event("SnapshotTaken", {"deviceId": "nobody", "mediaId": "m", "takenAt": "x"})
    queued = time.monotonic()
    boto3.client("sqs").send_message(
        QueueUrl=cloud_env["DETECTIONS_QUEUE_URL"], MessageBody=json.dumps(event)
    )
    poll.join(timeout=10)
    assert time.monotonic() - queued < 2.0
    assert drained["processed"] + len(drained["failed"]) == 1
