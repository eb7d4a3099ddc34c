"""The scheduled tag rotation: one run at a time (reserved concurrency 1), continued by the
function invoking itself asynchronously when a run outlives one invocation. An asynchronous
invocation that fails Lambda's retries or outwaits its maximum age lands in `lost_invocations`
(the stack alarms on it); the run's checkpoint stays, and the next scheduled run resumes it."""

from __future__ import annotations

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.components.function import FunctionInputs, SignalingFunction
from infra.nag import acknowledge

TIMEOUT = Duration.minutes(15)  # the Lambda maximum: fewer continuations per run
# A continuation waits for the one concurrent execution while the invocation that queued it
# returns (seconds); an hour covers a run started by hand meanwhile, and then it is given up.
MAX_EVENT_AGE = Duration.hours(1)
RETRY_ATTEMPTS = 2
LOST_RETENTION = Duration.days(14)  # the SQS maximum: time to look at a lost continuation


class TagRotation(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, inputs: FunctionInputs, *, state_table: dynamodb.ITable
    ) -> None:
        super().__init__(scope, construct_id)
        # A fixed name lets the role allow invoking this function without referring to it.
        function_name = f"{inputs.settings.name}-camera-tag-rotation"
        self.function = self._build_function(inputs, function_name, state_table)
        self._allow_listing_and_self_invocation(function_name)
        self.lost_invocations = self._keep_lost_invocations()
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

    def _keep_lost_invocations(self) -> sqs.Queue:
        queue = sqs.Queue(
            self,
            "LostInvocations",
            retention_period=LOST_RETENTION,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        acknowledge(
            queue,
            "AwsSolutions-SQS3",
            "This queue is the rotation function's on-failure destination: the dead letters themselves.",
        )
        self.function.lambda_function.configure_async_invoke(
            on_failure=destinations.SqsDestination(queue),
            max_event_age=MAX_EVENT_AGE,
            retry_attempts=RETRY_ATTEMPTS,
        )
        return queue

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
