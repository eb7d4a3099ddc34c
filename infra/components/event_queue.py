"""The queue a function drains, with the dead-letter queue that keeps what it could not handle."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from functions.common.queue_schema import (
    DLQ_RETENTION_SECONDS,
    MAX_RECEIVE_COUNT,
    VISIBILITY_TIMEOUT_SECONDS,
)


def build_event_queue(scope: Construct) -> tuple[sqs.Queue, sqs.Queue]:
    """`Events` and its `DeadLetters` in `scope`, both encrypted and TLS-only: (queue, dead letters)."""
    # SQS-managed encryption: EventBridge cannot send to a queue under the AWS-managed KMS key.
    dead_letter_queue = sqs.Queue(
        scope,
        "DeadLetters",
        retention_period=Duration.seconds(DLQ_RETENTION_SECONDS),
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
    )
    queue = sqs.Queue(
        scope,
        "Events",
        visibility_timeout=Duration.seconds(VISIBILITY_TIMEOUT_SECONDS),
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=MAX_RECEIVE_COUNT, queue=dead_letter_queue),
    )
    return queue, dead_letter_queue
