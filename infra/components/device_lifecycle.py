"""Device registry events: the stage's own EventBridge bus → rule → encrypted SQS queue (with a
dead-letter queue) → the lifecycle function, which reports partial batch failures.

The bus is the trust boundary of device ownership: its resource policy lets only the configured
publishers put events on it (and denies everyone else, same account included), the rule forwards
only their accounts' events of the device source, and the function checks the account again.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from constructs import Construct

from functions.common.queue_schema import BATCH_SIZE, LIFECYCLE_FUNCTION_TIMEOUT_SECONDS, MAX_CONCURRENCY
from infra.components.event_queue import build_event_queue, route_device_events
from infra.components.function import METRICS_NAMESPACE, FunctionInputs, SignalingFunction
from infra.settings import StageSettings

DETAIL_TYPES = ["DeviceRegistered", "DeviceUpdated", "DeviceDeregistered"]
# What the function counts when every cell is at capacity (functions/device_lifecycle/handler.py).
FLEET_FULL_METRIC = "FleetFull"


class DeviceLifecycle(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, inputs: FunctionInputs, *, placement_table: dynamodb.ITable
    ) -> None:
        super().__init__(scope, construct_id)
        settings = inputs.settings
        self.queue, self.dead_letter_queue = build_event_queue(self)
        publisher_accounts = settings.device_events.publisher_accounts(Stack.of(self).account)
        self.bus = self._build_bus(settings, publisher_accounts)
        self._build_rule(settings, publisher_accounts)
        self.function = self._build_function(inputs, publisher_accounts, placement_table)

    def _build_rule(self, settings: StageSettings, publisher_accounts: list[str]) -> None:
        route_device_events(
            self,
            "DeviceEvents",
            bus=self.bus,
            source=settings.device_events.source,
            detail_types=DETAIL_TYPES,
            accounts=publisher_accounts,
            queue=self.queue,
        )

    def fleet_full_metric(self) -> cloudwatch.IMetric:
        """Registrations that found every cell at capacity (Powertools adds `service`)."""
        return cloudwatch.Metric(
            namespace=METRICS_NAMESPACE,
            metric_name=FLEET_FULL_METRIC,
            dimensions_map={"service": self.function.service},
            statistic="Sum",
            period=Duration.minutes(1),
        )

    def _build_function(
        self, inputs: FunctionInputs, publisher_accounts: list[str], placement_table: dynamodb.ITable
    ) -> SignalingFunction:
        function = SignalingFunction(
            self,
            "Lifecycle",
            inputs,
            service="device-lifecycle",
            timeout=Duration.seconds(LIFECYCLE_FUNCTION_TIMEOUT_SECONDS),
            environment={
                "DEVICE_EVENT_SOURCE": inputs.settings.device_events.source,
                "DEVICE_EVENT_ACCOUNTS": ",".join(publisher_accounts),
                "PLACEMENT_TABLE_NAME": placement_table.table_name,
            },
        )
        function.consume(self.queue, batch_size=BATCH_SIZE, max_concurrency=MAX_CONCURRENCY)
        # UpdateItem writes a live camera's lifecycle attributes (presence stays); PutItem a tombstone.
        function.allow_table(inputs.registry_table, ["GetItem", "PutItem", "UpdateItem"])
        # Placement reads the slot and the counters and writes both in one transaction (IAM checks
        # each item action of a TransactWriteItems).
        function.allow_table(
            placement_table, ["GetItem", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem"]
        )
        function.allow_channels(
            [
                "CreateSignalingChannel",
                "DescribeSignalingChannel",
                "UpdateSignalingChannel",
                "DeleteSignalingChannel",
                "TagResource",
                "UntagResource",
                "ListTagsForResource",
                # The VIEWER endpoint it records in the registry for the skill.
                "GetSignalingChannelEndpoint",
            ]
        )
        return function

    def _build_bus(self, settings: StageSettings, publisher_accounts: list[str]) -> events.EventBus:
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
