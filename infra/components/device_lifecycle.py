"""Device registry events: EventBridge rule → encrypted SQS queue (with a dead-letter queue) →
the lifecycle function, which reports partial batch failures."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from functions.common.queue_schema import (
    DLQ_RETENTION_SECONDS,
    LIFECYCLE_FUNCTION_TIMEOUT_SECONDS,
    MAX_RECEIVE_COUNT,
    VISIBILITY_TIMEOUT_SECONDS,
)
from infra.components.function import SignalingFunction
from infra.settings import StageSettings

DETAIL_TYPES = ["DeviceRegistered", "DeviceUpdated", "DeviceDeregistered"]
# Concurrent batches: keeps channel create/update/delete far below KVS's 50 TPS account quota.
MAX_CONCURRENCY = 5


class DeviceLifecycle(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        code: lambda_.Code,
        layers: list[lambda_.ILayerVersion],
        registry_table: dynamodb.ITable,
    ) -> None:
        super().__init__(scope, construct_id)
        # SQS-managed encryption: EventBridge cannot send to a queue under the AWS-managed KMS key.
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetters",
            retention_period=Duration.seconds(DLQ_RETENTION_SECONDS),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        self.queue = sqs.Queue(
            self,
            "Events",
            visibility_timeout=Duration.seconds(VISIBILITY_TIMEOUT_SECONDS),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            dead_letter_queue=sqs.DeadLetterQueue(
                max_receive_count=MAX_RECEIVE_COUNT, queue=self.dead_letter_queue
            ),
        )
        bus = events.EventBus.from_event_bus_name(self, "Bus", settings.device_events.bus_name)
        events.Rule(
            self,
            "DeviceEvents",
            event_bus=bus,
            event_pattern=events.EventPattern(
                source=[settings.device_events.source], detail_type=DETAIL_TYPES
            ),
            targets=[targets.SqsQueue(self.queue)],
        )
        self.handler = SignalingFunction(
            self,
            "Lifecycle",
            settings=settings,
            service="device-lifecycle",
            handler="functions.device_lifecycle.handler.handler",
            code=code,
            layers=layers,
            registry_table=registry_table,
            timeout=Duration.seconds(LIFECYCLE_FUNCTION_TIMEOUT_SECONDS),
            environment={"DEVICE_EVENT_SOURCE": settings.device_events.source},
        )
        self.handler.function.add_event_source(
            sources.SqsEventSource(
                self.queue,
                batch_size=10,
                report_batch_item_failures=True,
                max_concurrency=MAX_CONCURRENCY,
            )
        )
        self.handler.allow_table(registry_table, ["GetItem", "PutItem"])
        self.handler.allow_channels(
            [
                "CreateSignalingChannel",
                "DescribeSignalingChannel",
                "UpdateSignalingChannel",
                "DeleteSignalingChannel",
                "TagResource",
                "UntagResource",
                "ListTagsForResource",
            ]
        )
