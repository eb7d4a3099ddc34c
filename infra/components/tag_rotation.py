"""The scheduled tag rotation: one run at a time (reserved concurrency 1), continued by the
function invoking itself asynchronously when a run outlives one invocation."""

from __future__ import annotations

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.components.function import FunctionInputs, SignalingFunction
from infra.nag import acknowledge

TIMEOUT = Duration.minutes(15)  # the Lambda maximum: fewer continuations per run


class TagRotation(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, inputs: FunctionInputs, *, state_table: dynamodb.ITable
    ) -> None:
        super().__init__(scope, construct_id)
        # A fixed name lets the role allow invoking this function without referring to it.
        function_name = f"{inputs.settings.name}-camera-tag-rotation"
        self.function = self._build_function(inputs, function_name, state_table)
        self._allow_listing_and_self_invocation(function_name)
        self.schedule = events.Rule(
            self,
            "Schedule",
            schedule=events.Schedule.expression(inputs.settings.rotation.schedule),
            targets=[targets.LambdaFunction(self.function.lambda_function)],
        )

    def _build_function(
        self, inputs: FunctionInputs, function_name: str, state_table: dynamodb.ITable
    ) -> SignalingFunction:
        function = SignalingFunction(
            self,
            "Rotation",
            inputs,
            service="tag-rotation",
            timeout=TIMEOUT,
            memory_size=512,
            function_name=function_name,
            reserved_concurrency=1,
            # A long run is a chain of self-invocations by design, bounded by the run's lease.
            recursive_loop=lambda_.RecursiveLoop.ALLOW,
            environment={
                "ROTATION_MAX_TPS": str(inputs.settings.rotation.max_tps),
                "ROTATION_STATE_TABLE_NAME": state_table.table_name,
            },
        )
        function.allow_table(inputs.registry_table, ["Scan"])
        function.allow_table(state_table, ["GetItem", "PutItem"])
        function.allow_channels(["ListTagsForResource", "TagResource", "UntagResource"])
        return function

    def _allow_listing_and_self_invocation(self, function_name: str) -> None:
        role = self.function.role
        self.function.allow_channel_listing()
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "kinesisvideo:ListSignalingChannels and X-Ray writes accept only '*' as resource.",
        )
        self_arn = Stack.of(self).format_arn(
            service="lambda",
            resource="function",
            resource_name=function_name,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        role.add_to_policy(iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[self_arn]))
