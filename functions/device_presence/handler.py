"""Lambda entry point: SQS batches of presence and doorbell events (the presence queue).

Bodies are EventBridge device events (DeviceConnected, DeviceDisconnected, DoorbellPressed) or AWS
IoT Core presence payloads. Each record is applied on its own and failures are reported per
record: a malformed or untrusted record, or a press of no doorbell, fails with one log line and
reaches the dead-letter queue; a transient AWS failure is delivered again.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from functions.common.aws_clients import error_code
from functions.common.function_arn import account_and_region
from functions.common.log_values import validation_summary
from functions.common.observability import logger, metrics, tracer
from functions.device_presence.dependencies import dependencies
from functions.device_presence.events import parse_record
from functions.device_presence.logic import Presence, PresenceOutcome, RejectedEvent

OUTCOME_METRICS = {
    PresenceOutcome.CHANGED: "ConnectivityChanges",
    PresenceOutcome.STALE: "PresenceEventsStale",
    PresenceOutcome.UNKNOWN_DEVICE: "PresenceEventsUnknownDevice",
    PresenceOutcome.PRESSED: "DoorbellPresses",
    PresenceOutcome.OWNER_CHANGED: "DoorbellPressesOwnerChanged",
}


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    deps = dependencies()
    presence = Presence(
        deps.registry,
        deps.publisher,
        source=deps.settings.device_event_source,
        accounts=deps.settings.publisher_accounts(account_and_region(context.invoked_function_arn)[0]),
    )

    def record_handler(record: SQSRecord) -> str:
        logger.append_keys(message_id=record.message_id)
        try:
            try:
                parsed = parse_record(record.body)
            except ValidationError as exc:
                logger.error("malformed presence record rejected", extra={"reason": validation_summary(exc)})
                raise
            logger.append_keys(device_id=parsed.device_id)
            try:
                outcome = presence.apply(parsed)
            except RejectedEvent as exc:
                logger.error("presence record rejected", extra={"reason": str(exc)})
                raise
            if outcome in OUTCOME_METRICS:
                metrics.add_metric(name=OUTCOME_METRICS[outcome], unit=MetricUnit.Count, value=1)
            logger.info("presence record applied", extra={"outcome": outcome.value})
            return outcome.value
        except (ValidationError, RejectedEvent):
            metrics.add_metric(name="RecordsFailed", unit=MetricUnit.Count, value=1)
            raise
        except Exception as exc:
            metrics.add_metric(name="RecordsFailed", unit=MetricUnit.Count, value=1)
            # The code only: a message could quote a request.
            logger.warning(
                "presence record failed; SQS will deliver it again", extra={"error": error_code(exc)}
            )
            raise
        finally:
            logger.remove_keys(["message_id", "device_id"])

    metrics.add_metric(name="RecordsReceived", unit=MetricUnit.Count, value=len(event.get("Records", [])))
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor)
