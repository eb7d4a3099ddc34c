"""The queue a function drains, with the dead-letter queue that keeps what it could not handle, and
the rule that fills it from the stage's device event bus with the trusted publishers' events."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
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


def route_device_events(
    scope: Construct,
    rule_id: str,
    *,
    bus: events.IEventBus,
    source: str,
    detail_types: Sequence[str],
    accounts: Sequence[str],
    queue: sqs.IQueue,
) -> events.Rule:
    """Only `source`'s events of `detail_types` from the publisher `accounts` reach `queue`."""
    return events.Rule(
        scope,
        rule_id,
        event_bus=bus,
        event_pattern=events.EventPattern(
            source=[source], detail_type=list(detail_types), account=list(accounts)
        ),
        targets=[targets.SqsQueue(queue)],
    )
