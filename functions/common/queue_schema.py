"""The lifecycle queue's settings: one definition for the CDK stack and the local bootstrap."""

from __future__ import annotations

import json
from typing import Any

# A record that fails this many receives goes to the dead-letter queue.
MAX_RECEIVE_COUNT = 5
# SQS wants the visibility timeout at least six times the consumer's timeout.
LIFECYCLE_FUNCTION_TIMEOUT_SECONDS = 60
VISIBILITY_TIMEOUT_SECONDS = 6 * LIFECYCLE_FUNCTION_TIMEOUT_SECONDS
DLQ_RETENTION_SECONDS = 14 * 24 * 3600
# The event source mapping: records per invocation, and concurrent batches (its maximum
# concurrency), which keeps channel create/update/delete far below KVS's 50 TPS account quota.
BATCH_SIZE = 10
MAX_CONCURRENCY = 5
# The events queue's poller: small batches, each record may wait on LWA and the gateway (3 s
# timeouts, a few retries).
ALEXA_EVENTS_BATCH_SIZE = 5
# The presence queue's poller: presence and presses are latency-sensitive (a ChangeReport within
# 3 s of the change, a press within 1 s), so batches go out as soon as a message arrives.
PRESENCE_BATCH_SIZE = 10
PRESENCE_MAX_BATCHING_WINDOW_SECONDS = 0


def queue_attributes(dead_letter_arn: str) -> dict[str, str]:
    """SQS CreateQueue attributes of the lifecycle queue, matching the CDK definition."""
    return {
        "VisibilityTimeout": str(VISIBILITY_TIMEOUT_SECONDS),
        "RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": MAX_RECEIVE_COUNT}
        ),
        "SqsManagedSseEnabled": "true",
    }


def dead_letter_attributes() -> dict[str, Any]:
    return {"MessageRetentionPeriod": str(DLQ_RETENTION_SECONDS), "SqsManagedSseEnabled": "true"}
