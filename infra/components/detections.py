"""Detections and snapshots: a rule on the device event bus (ObjectDetected, SnapshotTaken,
DetectionsDeleted) → an encrypted queue of their own (with a dead-letter queue) → the detections
function, which records them and queues what the events function tells Alexa. `MediaData` is the
detections table and the media bucket as every function that touches them is given them."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from functions.common.queue_schema import (
    LIFECYCLE_FUNCTION_TIMEOUT_SECONDS,
    PRESENCE_BATCH_SIZE,
    PRESENCE_MAX_BATCHING_WINDOW_SECONDS,
)
from infra.components.event_queue import build_event_queue, route_device_events
from infra.components.function import FunctionInputs, SignalingFunction
from infra.components.media_bucket import MEDIA_PREFIX
from infra.nag import acknowledge
from infra.settings import DetectionSettings

DETAIL_TYPES = ["ObjectDetected", "SnapshotTaken", "DetectionsDeleted"]
# A record is a few DynamoDB calls, a HEAD per image and one SQS send: a few pollers keep up.
MAX_CONCURRENCY = 10


@dataclass(frozen=True)
class MediaData:
    """The detections table, the media bucket and where image URIs point (MEDIA_URL_BASE)."""

    settings: DetectionSettings
    table: dynamodb.ITable
    bucket: s3.IBucket
    url_base: str

    def environment(self) -> dict[str, str]:
        """functions.common.detections.media_settings.MediaSettings."""
        return {
            "MEDIA_BUCKET_NAME": self.bucket.bucket_name,
            "DETECTIONS_TABLE_NAME": self.table.table_name,
            "MEDIA_URL_BASE": self.url_base,
            "SNAPSHOT_URI_TTL_SECONDS": str(self.settings.snapshot_uri_ttl_seconds),
            "DETECTION_RETENTION_DAYS": str(self.settings.retention_days),
        }

    def give(self, fn: SignalingFunction, *, table: list[str], objects: list[str]) -> None:
        """The settings, and only these item actions on the table and object actions on the images."""
        for name, value in self.environment().items():
            fn.lambda_function.add_environment(name, value)
        if table:
            fn.allow_table(self.table, table)
        if not objects:
            return
        fn.role.add_to_policy(
            iam.PolicyStatement(
                actions=[f"s3:{a}" for a in objects],
                resources=[self.bucket.arn_for_objects(f"{MEDIA_PREFIX}*")],
            )
        )
        acknowledge(
            fn.role,
            f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::{self.bucket.bucket_name}/{MEDIA_PREFIX}*]",
            "Image keys are media/{deviceId}/{random id}: made at upload, unknown at deploy.",
        )


class Detections(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        inputs: FunctionInputs,
        *,
        bus: events.IEventBus,
        media: MediaData,
    ) -> None:
        super().__init__(scope, construct_id)
        settings = inputs.settings
        self.queue, self.dead_letter_queue = build_event_queue(self)
        publisher_accounts = settings.device_events.publisher_accounts(Stack.of(self).account)
        route_device_events(
            self,
            "DetectionEvents",
            bus=bus,
            source=settings.device_events.source,
            detail_types=DETAIL_TYPES,
            accounts=publisher_accounts,
            queue=self.queue,
        )
        self.function = SignalingFunction(
            self,
            "Detections",
            inputs,
            service="detections",
            timeout=Duration.seconds(LIFECYCLE_FUNCTION_TIMEOUT_SECONDS),
            environment={
                "DEVICE_EVENT_SOURCE": settings.device_events.source,
                "DEVICE_EVENT_ACCOUNTS": ",".join(publisher_accounts),
            },
        )
        # A detection is announced within a second: batches go out as soon as a message arrives.
        self.function.consume(
            self.queue,
            batch_size=PRESENCE_BATCH_SIZE,
            max_concurrency=MAX_CONCURRENCY,
            max_batching_window_s=PRESENCE_MAX_BATCHING_WINDOW_SECONDS,
        )
        self.function.allow_table(inputs.registry_table, ["GetItem"])
        # Put: detections (a transaction of two puts), snapshots, references; Delete: the maker's
        # deletions. GetObject is what S3 asks for HEAD (does the upload exist?).
        media.give(
            self.function, table=["GetItem", "PutItem", "DeleteItem"], objects=["GetObject", "DeleteObject"]
        )
