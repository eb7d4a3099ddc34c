"""Lambda entry point: SQS batches of detection device events (ObjectDetected, SnapshotTaken,
DetectionsDeleted). Each record is applied on its own; a malformed or refused record fails once
with one log line and a count by reason (and reaches the dead-letter queue), a transient AWS
failure is delivered again."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from functions.common import aws_clients
from functions.common.alexa.outbound import OutboundPublisher
from functions.common.aws_clients import error_code
from functions.common.detections.media_store import MediaStore, s3_client
from functions.common.detections.store import DetectionsStore
from functions.common.observability import logger, metrics, tracer
from functions.common.registry.store import Registry
from functions.detections.events import parse_record
from functions.detections.logic import DetectionRefused, Detections
from functions.detections.settings import DetectionsSettings


@cache
def _parts() -> tuple[DetectionsSettings, Registry, DetectionsStore, MediaStore, OutboundPublisher]:
    settings = DetectionsSettings.load()
    dynamodb = aws_clients.client("dynamodb")
    return (
        settings,
        Registry(settings.registry_table_name, dynamodb),
        DetectionsStore(settings.detections_table_name, dynamodb),
        MediaStore(settings.media_bucket_name, s3_client()),
        OutboundPublisher(settings.alexa_events_queue_url, aws_clients.client("sqs")),
    )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    settings, registry, store, media, publisher = _parts()
    own_account = context.invoked_function_arn.split(":")[4]
    accounts = settings.publisher_accounts(own_account)
    detections = Detections(settings, registry, store, media, publisher, accounts)

    def record_handler(record: SQSRecord) -> str:
        logger.append_keys(message_id=record.message_id)
        try:
            parsed = parse_record(record.body)
            logger.append_keys(device_id=parsed.detail.device_id)
            outcome = detections.apply(parsed)
        except ValidationError as exc:
            metrics.add_metric(name="DetectionEventsMalformed", unit=MetricUnit.Count, value=1)
            logger.error("malformed detection event", extra={"errors": exc.error_count()})
            raise
        except DetectionRefused as exc:
            metrics.add_metric(
                name=f"DetectionEventsRefused_{exc.refusal.value}", unit=MetricUnit.Count, value=1
            )
            logger.error("detection event refused", extra={"reason": exc.refusal.value})
            raise
        except Exception as exc:
            logger.warning("detection event failed; SQS delivers it again", extra={"error": error_code(exc)})
            raise
        finally:
            logger.remove_keys(["message_id", "device_id"])
        metrics.add_metric(name=f"DetectionEvents_{outcome.value}", unit=MetricUnit.Count, value=1)
        logger.info("detection event applied", extra={"outcome": outcome.value})
        return outcome.value

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor)
