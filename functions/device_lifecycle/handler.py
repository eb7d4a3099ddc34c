"""Lambda entry point: SQS batches whose bodies are device lifecycle events (EventBridge).

Each record is parsed and applied on its own; failures are reported per record
(`batchItemFailures`), so the good records of a batch are deleted and only the failed ones come
back. A bad record fails every delivery and reaches the dead-letter queue after the queue's
maxReceiveCount; a transient failure usually succeeds on a later delivery. Each record gets at
most RECORD_BUDGET_S of the invocation, so a record stuck on a slow or busy channel cannot starve
the records after it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import ValidationError

from functions.common.cells.placement import FleetFullError
from functions.common.deadline import Deadline
from functions.common.function_arn import account_and_region
from functions.common.log_values import cut, validation_summary
from functions.common.observability import logger, metrics, tracer
from functions.device_lifecycle.dependencies import dependencies
from functions.device_lifecycle.events import parse_event
from functions.device_lifecycle.lifecycle_channels import LifecycleChannels, TransientError, kvs_client
from functions.device_lifecycle.logic import (
    ForeignChannelError,
    InvalidEventError,
    Lifecycle,
    LifecycleOutcome,
)

OUTCOME_METRICS = {
    LifecycleOutcome.CREATED: "ChannelsCreated",
    LifecycleOutcome.ADOPTED: "ChannelsAdopted",
    LifecycleOutcome.UPDATED: "ChannelsUpdated",
    LifecycleOutcome.DELETED: "ChannelsDeleted",
    LifecycleOutcome.SKIPPED_STALE: "EventsSkippedStale",
}
FAILED_METRIC = "RecordsFailed"
# Every cell is at capacity: a registration waits (redelivered, then in the DLQ) for capacity.
FLEET_FULL_METRIC = "FleetFull"
RECEIVED_METRIC = "RecordsReceived"
# A quarter of the function's 60 s: enough for a record's calls with throttling backoff.
RECORD_BUDGET_S = 15.0
INVOCATION_RESERVE_S = 2.0


class LambdaContextLike(Protocol):
    @property
    def invoked_function_arn(self) -> str: ...

    def get_remaining_time_in_millis(self) -> int: ...


class BadRecordError(ValueError):
    """A record that no redelivery can fix: it goes to the dead-letter queue."""


def _process(
    record: SQSRecord, lifecycle: Callable[[Deadline], Lifecycle], invocation: Deadline
) -> LifecycleOutcome:
    if invocation.remaining() <= 0:
        raise TransientError(f"no time left in this invocation for record {record.message_id}")
    try:
        event = parse_event(record.body)
    except ValidationError as exc:
        raise BadRecordError(validation_summary(exc)) from None
    logger.append_keys(
        device_id=event.detail.device_id, event_id=cut(event.id), detail_type=event.detail_type
    )
    try:
        return lifecycle(invocation.within(RECORD_BUDGET_S)).apply(event)
    except (InvalidEventError, ForeignChannelError) as exc:
        raise BadRecordError(str(exc)) from exc


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContextLike) -> PartialItemFailureResponse:
    # Kept back from the invocation: time to report the batch and flush metrics.
    deadline = Deadline.of_invocation(context, reserve_s=INVOCATION_RESERVE_S)
    deps = dependencies()
    settings, registry = deps.settings, deps.registry
    account, region = account_and_region(context.invoked_function_arn)
    publishers = settings.publisher_accounts(account)
    device_cells = deps.device_cells(account, region)
    outbound = deps.outbound

    def lifecycle(record_deadline: Deadline) -> Lifecycle:
        return Lifecycle(
            settings=settings,
            registry=registry,
            cells=device_cells,
            channels=lambda cell: LifecycleChannels(kvs_client(cell), record_deadline),
            deadline=record_deadline,
            publisher_accounts=publishers,
            publisher=outbound,
        )

    def record_handler(record: SQSRecord) -> str:
        logger.append_keys(
            message_id=record.message_id, receive_count=record.attributes.approximate_receive_count
        )
        try:
            outcome = _process(record, lifecycle, deadline)
            if outcome in OUTCOME_METRICS:
                metrics.add_metric(name=OUTCOME_METRICS[outcome], unit=MetricUnit.Count, value=1)
            logger.info("lifecycle record applied", outcome=outcome.value)
            return outcome.value
        except BadRecordError as exc:
            metrics.add_metric(name=FAILED_METRIC, unit=MetricUnit.Count, value=1)
            logger.error(
                "bad lifecycle record rejected; it will reach the dead-letter queue", reason=str(exc)
            )
            raise
        except FleetFullError:
            metrics.add_metric(name=FAILED_METRIC, unit=MetricUnit.Count, value=1)
            metrics.add_metric(name=FLEET_FULL_METRIC, unit=MetricUnit.Count, value=1)
            logger.error(
                "fleet full: every cell is at capacity; the registration is redelivered, then waits "
                "in the dead-letter queue until capacity is added (raise a cell's capacity or add a cell)"
            )
            raise
        except TransientError as exc:
            metrics.add_metric(name=FAILED_METRIC, unit=MetricUnit.Count, value=1)
            logger.warning("lifecycle record failed transiently; SQS will deliver it again", reason=str(exc))
            raise
        except Exception:
            metrics.add_metric(name=FAILED_METRIC, unit=MetricUnit.Count, value=1)
            logger.exception("lifecycle record failed; SQS will deliver it again")
            raise
        finally:
            logger.remove_keys(["message_id", "receive_count", "device_id", "event_id", "detail_type"])

    metrics.add_metric(name=RECEIVED_METRIC, unit=MetricUnit.Count, value=len(event.get("Records", [])))
    # Per invocation, so the handler holds no batch state between calls. Lambda retries the whole
    # batch when the handler raises, so even an all-failed batch is reported per record instead.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor)
