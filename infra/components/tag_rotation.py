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

from infra.components.function import SignalingFunction
from infra.nag import acknowledge
from infra.settings import StageSettings

TIMEOUT = Duration.minutes(15)  # the Lambda maximum: fewer continuations per run


class TagRotation(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        code: lambda_.Code,
        layers: list[lambda_.ILayerVersion],
        registry_table: dynamodb.ITable,
        state_table: dynamodb.ITable,
    ) -> None:
        super().__init__(scope, construct_id)
        # A fixed name lets the role allow invoking this function without referring to it.
        function_name = f"{settings.name}-camera-tag-rotation"
        self.handler = SignalingFunction(
            self,
            "Rotation",
            settings=settings,
            service="tag-rotation",
            handler="functions.tag_rotation.handler.handler",
            code=code,
            layers=layers,
            registry_table=registry_table,
            timeout=TIMEOUT,
            memory_size=512,
            function_name=function_name,
            reserved_concurrency=1,
            # A long run is a chain of self-invocations by design, bounded by the run's lease.
            recursive_loop=lambda_.RecursiveLoop.ALLOW,
            environment={
                "ROTATION_MAX_TPS": str(settings.rotation.max_tps),
                "ROTATION_STATE_TABLE_NAME": state_table.table_name,
            },
        )
        self.handler.allow_table(registry_table, ["Scan"])
        self.handler.allow_table(state_table, ["GetItem", "PutItem"])
        self.handler.allow_channels(["ListTagsForResource", "TagResource", "UntagResource"])
        self.handler.role.add_to_policy(
            iam.PolicyStatement(actions=["kinesisvideo:ListSignalingChannels"], resources=["*"])
        )
        acknowledge(
            self.handler.role,
            "AwsSolutions-IAM5[Resource::*]",
            "kinesisvideo:ListSignalingChannels and X-Ray writes accept only '*' as resource.",
        )
        self_arn = Stack.of(self).format_arn(
            service="lambda",
            resource="function",
            resource_name=function_name,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        self.handler.role.add_to_policy(
            iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[self_arn])
        )
        self.schedule = events.Rule(
            self,
            "Schedule",
            schedule=events.Schedule.expression(settings.rotation.schedule),
            targets=[targets.LambdaFunction(self.handler.function)],
        )
