"""Device registry events: the stage's own EventBridge bus → rule → encrypted SQS queue (with a
dead-letter queue) → the lifecycle function, which reports partial batch failures.

The bus is the trust boundary of device ownership: its resource policy lets only the configured
publishers put events on it (and denies everyone else, same account included), the rule forwards
only their accounts' events of the device source, and the function checks the account again.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
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
        publisher_accounts = settings.device_events.publisher_accounts(Stack.of(self).account)
        self.bus = self._bus(settings, publisher_accounts)
        events.Rule(
            self,
            "DeviceEvents",
            event_bus=self.bus,
            event_pattern=events.EventPattern(
                source=[settings.device_events.source],
                detail_type=DETAIL_TYPES,
                account=publisher_accounts,
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
            environment={
                "DEVICE_EVENT_SOURCE": settings.device_events.source,
                "DEVICE_EVENT_ACCOUNTS": ",".join(publisher_accounts),
            },
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

    def _bus(self, settings: StageSettings, publisher_accounts: list[str]) -> events.EventBus:
        bus = events.EventBus(self, "Bus", event_bus_name=f"{settings.name}-device-events")
        publishers = settings.device_events.publishers or tuple(publisher_accounts)
        arns = [p for p in publishers if p.startswith("arn:")]
        accounts = [p for p in publishers if not p.startswith("arn:")]
        principals: list[iam.IPrincipal] = [iam.AccountPrincipal(a) for a in accounts]
        principals += [iam.ArnPrincipal(a) for a in arns]
        bus.add_to_resource_policy(
            iam.PolicyStatement(
                sid="PublishersPutDeviceEvents",
                principals=principals,
                actions=["events:PutEvents"],
                resources=[bus.event_bus_arn],
                conditions={"StringEquals": {"events:source": settings.device_events.source}},
            )
        )
        # Identity policies in this account would otherwise still reach the bus: deny anyone who
        # is neither in a publisher account nor a publisher principal.
        not_a_publisher: dict[str, dict[str, list[str]]] = {}
        if accounts:
            not_a_publisher["StringNotEquals"] = {"aws:PrincipalAccount": accounts}
        if arns:
            not_a_publisher["ArnNotLike"] = {"aws:PrincipalArn": arns}
        bus.add_to_resource_policy(
            iam.PolicyStatement(
                sid="OnlyPublishers",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["events:PutEvents"],
                resources=[bus.event_bus_arn],
                conditions=not_a_publisher,
            )
        )
        CfnOutput(self, "DeviceEventBusName", value=bus.event_bus_name)
        CfnOutput(self, "DeviceEventBusArn", value=bus.event_bus_arn)
        return bus
