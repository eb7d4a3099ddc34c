"""Lambda entry point: SQS batches of outbound Alexa events (ALEXA_EVENTS_QUEUE_URL): endpoint
changes (discovery reports), connectivity changes (ChangeReports), doorbell presses, object
detections and detection data deleted in the maker's app.

Each record is handled on its own and failures are reported per record (`batchItemFailures`).
A record that cannot be parsed, or that the gateway refuses as malformed, fails every delivery
and reaches the dead-letter queue; a busy gateway, LWA or a pending refresh fail it for a later
delivery. Each record works to a deadline, the invocation's end less a reserve, passed down to
every call: a record whose next attempt the time left cannot cover fails for a later delivery
before starting it (`EventsOutOfTime`), so no record runs past the invocation and the batch's
answer always reaches SQS. Tokens and gateway error text never reach a log line or a trace.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from functions.alexa_events.dependencies import dependencies
from functions.alexa_events.dispatch import deliver
from functions.alexa_events.gateway import GatewayError, RequestRejected
from functions.common.alexa.lwa import LwaError
from functions.common.alexa.outbound import OUTBOUND_ADAPTER
from functions.common.deadline import Deadline, DeadlineExceeded
from functions.common.http import MIN_CALL_SECONDS
from functions.common.observability import logger, metrics, tracer

# Time kept back at the end of an invocation for what follows a record's last call: a registry
# write, the batch's answer, the metrics flush.
RESERVE_SECONDS = 3.0


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    deps = dependencies()

    def record_handler(record: SQSRecord) -> str:
        logger.append_keys(message_id=record.message_id)
        try:
            deadline = Deadline.of_invocation(context, reserve_s=RESERVE_SECONDS)
            deadline.require(MIN_CALL_SECONDS)
            try:
                message = OUTBOUND_ADAPTER.validate_json(record.body)
            except ValidationError:
                logger.error("outbound event is malformed; it will reach the dead-letter queue")
                raise
            logger.append_keys(device_id=message.device_id, event_id=message.event_id)
            outcomes = deliver(deps, message, deadline)
            logger.info("reported", extra={"type": message.type, "deliveries": outcomes})
            return "ok"
        except DeadlineExceeded:
            metrics.add_metric(name="EventsOutOfTime", unit=MetricUnit.Count, value=1)
            logger.warning("too little time left for the record; SQS will deliver it again")
            raise
        except RequestRejected as exc:
            metrics.add_metric(name="GatewayFailures", unit=MetricUnit.Count, value=1)
            logger.error("gateway refused the event", extra={"error": exc.code, "status": exc.status})
            raise
        except (GatewayError, LwaError) as exc:
            metrics.add_metric(name="GatewayFailures", unit=MetricUnit.Count, value=1)
            logger.warning("event not delivered; SQS will deliver it again", extra={"error": exc.code})
            raise
        except Exception as exc:
            # The class name only: a message could quote a request.
            logger.warning("event not delivered; SQS retries", extra={"error": type(exc).__name__})
            raise
        finally:
            logger.remove_keys(["message_id", "device_id", "event_id"])

    # Every invocation publishes this one, also when no record calls the gateway.
    metrics.add_metric(name="RecordsReceived", unit=MetricUnit.Count, value=len(event.get("Records", [])))
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor)
