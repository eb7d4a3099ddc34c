"""Delivery through SQS: throttling and time budgets, and the dead-letter queue."""

from __future__ import annotations

import json
import os
import time
from typing import Any

import boto3

from functions.common.queue_schema import MAX_RECEIVE_COUNT
from functions.common.registry.store import Registry
from functions.device_lifecycle.logic import BUSY_RETRY_S
from localcloud import kvs
from tests.lifecycle.support import channels, event, from_received, lifecycle_context, run_ids, sqs_event


def _outcomes(operation: str) -> list[str]:
    return [c.outcome for c in kvs.calls() if c.operation == operation]


def test_throttled_creates_are_retried_within_the_invocation(lifecycle: Registry) -> None:
    kvs.inject("CreateSignalingChannel", error="ClientLimitExceededException", times=3)
    assert run_ids(sqs_event(event("DeviceRegistered", "cam-1", 0))) == []
    assert _outcomes("CreateSignalingChannel") == ["ClientLimitExceededException"] * 3 + ["ok"]
    assert list(channels()) == ["alexa-cam-cam-1"]


def _ttl_burst(count: int) -> dict[str, Any]:
    """A registration, then `count` TTL changes of the same camera: over its 5 TPS per channel."""
    updates = [event("DeviceUpdated", "cam-1", i + 1, messageTtlSeconds=10 + i) for i in range(count)]
    return sqs_event(event("DeviceRegistered", "cam-1", 0), *updates)


def test_a_burst_over_the_per_channel_quota_succeeds_with_backoff(lifecycle: Registry) -> None:
    kvs.enable_quotas()
    assert run_ids(_ttl_burst(12)) == []
    assert "ClientLimitExceededException" in _outcomes("ListTagsForResource") + _outcomes(
        "UpdateSignalingChannel"
    )
    kvs.disable_quotas()
    assert channels()["alexa-cam-cam-1"].ttl == 21
    device = lifecycle.get("cam-1")
    assert device is not None and device.message_ttl_seconds == 21


def test_out_of_time_records_fail_and_succeed_on_redelivery(lifecycle: Registry) -> None:
    kvs.enable_quotas()
    batch = _ttl_burst(12)
    # Half a second of usable time (the handler keeps 2 s in reserve): the quota's 1 s window
    # cannot reopen in time for the calls over 5.
    failed = run_ids(batch, lifecycle_context(2.5))
    assert failed, "some records should have run out of time"
    assert batch["Records"][-1]["messageId"] in failed

    redelivered = {"Records": [r for r in batch["Records"] if r["messageId"] in failed]}
    assert run_ids(redelivered) == []
    kvs.disable_quotas()
    assert channels()["alexa-cam-cam-1"].ttl == 21
    assert [d.device_id for d in lifecycle.scan()] == ["cam-1"]


def test_a_bad_record_ends_up_in_the_dead_letter_queue(lifecycle: Registry) -> None:
    sqs = boto3.client("sqs")
    queue_url, dlq_url = os.environ["LIFECYCLE_QUEUE_URL"], os.environ["LIFECYCLE_DLQ_URL"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    bad = json.dumps({**event("DeviceRegistered", "cam-1", 0), "detail-type": "DeviceExploded"})
    sqs.send_message(QueueUrl=queue_url, MessageBody=bad)
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(event("DeviceRegistered", "cam-2", 0)))

    # What Lambda's event source mapping does: receive, invoke, delete what succeeded; a failed
    # message comes back after its visibility timeout (made 0 here so the test need not wait).
    for _ in range(MAX_RECEIVE_COUNT + 1):
        messages: list[dict[str, Any]] = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"], VisibilityTimeout=0
        ).get("Messages", [])
        if not messages:
            break
        failed = set(run_ids(from_received(messages, queue_arn)))
        for message in messages:
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])

    assert sqs.receive_message(QueueUrl=queue_url, VisibilityTimeout=0).get("Messages", []) == []
    dead = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10).get("Messages", [])
    assert [m["Body"] for m in dead] == [bad]
    assert list(channels()) == ["alexa-cam-cam-2"]


def test_stuck_channels_do_not_starve_the_rest_of_their_batch(lifecycle: Registry) -> None:
    # The old channels of two cameras stay DELETING for a minute: their re-registrations must wait.
    stuck_ids = ["stuck-0", "stuck-1"]
    assert run_ids(sqs_event(*(event("DeviceRegistered", d, 0) for d in stuck_ids))) == []
    kvs.set_transition_delays(deleting=60)
    assert run_ids(sqs_event(*(event("DeviceDeregistered", d, 5, owner=None) for d in stuck_ids))) == []

    stuck = [event("DeviceRegistered", d, 10) for d in stuck_ids]
    healthy = [event("DeviceRegistered", f"cam-{i}", 10) for i in range(3)]
    batch = sqs_event(*stuck, *healthy)
    started = time.monotonic()
    # Six seconds of usable time (the handler keeps 2 s in reserve).
    failed = run_ids(batch, lifecycle_context(8.0))
    elapsed = time.monotonic() - started

    assert failed == [r["messageId"] for r in batch["Records"][:2]]
    assert {f"alexa-cam-cam-{i}" for i in range(3)} <= set(channels())
    # Each busy record gives up after its short retry budget instead of waiting out the invocation.
    assert elapsed < 2 * BUSY_RETRY_S + 2.0, elapsed
