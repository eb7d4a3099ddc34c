"""Camera presence and doorbells: a rule on the device event bus (DeviceConnected,
DeviceDisconnected, DoorbellPressed) → an encrypted queue of their own (with a dead-letter queue),
so registrations never wait behind them → the presence function; a scheduled sweep of silent
cameras; and, as a stage option, an AWS IoT Core topic rule forwarding IoT's presence events."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_iot as iot
from constructs import Construct

from functions.common.queue_schema import (
    LIFECYCLE_FUNCTION_TIMEOUT_SECONDS,
    PRESENCE_BATCH_SIZE,
    PRESENCE_MAX_BATCHING_WINDOW_SECONDS,
)
from functions.common.registry import schema as registry_schema
from infra.components.event_queue import build_event_queue, route_device_events
from infra.components.function import FunctionInputs, SignalingFunction

DETAIL_TYPES = ["DeviceConnected", "DeviceDisconnected", "DoorbellPressed"]
# IoT Core's lifecycle topics: $aws/events/presence/{connected,disconnected}/{clientId}.
IOT_PRESENCE_SQL = "SELECT * FROM '$aws/events/presence/+/+'"
# Every record is two or three DynamoDB calls and one SQS send: a few pollers keep up with a fleet.
MAX_CONCURRENCY = 10
SWEEP_TIMEOUT = Duration.minutes(5)


class DevicePresence(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, inputs: FunctionInputs, *, bus: events.IEventBus
    ) -> None:
        super().__init__(scope, construct_id)
        settings = inputs.settings
        self.queue, self.dead_letter_queue = build_event_queue(self)
        publisher_accounts = settings.device_events.publisher_accounts(Stack.of(self).account)
        route_device_events(
            self,
            "PresenceEvents",
            bus=bus,
            source=settings.device_events.source,
            detail_types=DETAIL_TYPES,
            accounts=publisher_accounts,
            queue=self.queue,
        )
        self.function = self._build_function(inputs, publisher_accounts)
        self.sweep = self._build_sweep(inputs)
        if settings.presence.iot_core:
            self._build_iot_rule(settings.name)

    def _build_function(self, inputs: FunctionInputs, publisher_accounts: list[str]) -> SignalingFunction:
        function = SignalingFunction(
            self,
            "Presence",
            inputs,
            service="device-presence",
            timeout=Duration.seconds(LIFECYCLE_FUNCTION_TIMEOUT_SECONDS),
            environment={
                "DEVICE_EVENT_SOURCE": inputs.settings.device_events.source,
                "DEVICE_EVENT_ACCOUNTS": ",".join(publisher_accounts),
            },
        )
        function.consume(
            self.queue,
            batch_size=PRESENCE_BATCH_SIZE,
            max_concurrency=MAX_CONCURRENCY,
            max_batching_window_s=PRESENCE_MAX_BATCHING_WINDOW_SECONDS,
        )
        function.allow_table(inputs.registry_table, ["GetItem", "UpdateItem"])
        return function

    def _build_sweep(self, inputs: FunctionInputs) -> SignalingFunction:
        function = SignalingFunction(
            self,
            "Sweep",
            inputs,
            service="presence-sweep",
            timeout=SWEEP_TIMEOUT,
            # One sweep at a time: two would only race for the same cameras.
            reserved_concurrency=1,
            environment={"CHECK_IN_WINDOW_SECONDS": str(inputs.settings.check_in_window_seconds)},
        )
        function.allow_table(
            inputs.registry_table, ["Query", "GetItem", "UpdateItem"], indexes=(registry_schema.SWEEP_INDEX,)
        )
        events.Rule(
            self,
            "SweepSchedule",
            schedule=events.Schedule.expression(inputs.settings.presence.sweep_schedule),
            targets=[targets.LambdaFunction(function.lambda_function)],
        )
        return function

    def _build_iot_rule(self, stage_name: str) -> None:
        """IoT Core's presence events, as IoT publishes them, onto the presence queue."""
        # The name is fixed so the role's trust can name the rule's ARN without referring to the
        # rule (which refers to the role: a reference back would be a cycle). Rule names take
        # letters, digits and `_` only; a stage name's `-` becomes `_` (stage names have no `_`).
        rule_name = f"{stage_name.replace('-', '_')}_presence"
        stack = Stack.of(self)
        role = iam.Role(
            self,
            "IotRuleRole",
            # Confused-deputy guard (AWS IoT guidance): IoT may assume the role only for this
            # stack's rule, not for a rule in another account that names this role.
            assumed_by=iam.ServicePrincipal(
                "iot.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnEquals": {
                        "aws:SourceArn": stack.format_arn(
                            service="iot", resource="rule", resource_name=rule_name
                        )
                    },
                },
            ),
        )
        self.queue.grant_send_messages(role)
        iot.CfnTopicRule(
            self,
            "IotPresence",
            rule_name=rule_name,
            topic_rule_payload=iot.CfnTopicRule.TopicRulePayloadProperty(
                sql=IOT_PRESENCE_SQL,
                aws_iot_sql_version="2016-03-23",
                rule_disabled=False,
                actions=[
                    iot.CfnTopicRule.ActionProperty(
                        sqs=iot.CfnTopicRule.SqsActionProperty(
                            queue_url=self.queue.queue_url, role_arn=role.role_arn, use_base64=False
                        )
                    )
                ],
            ),
        )
