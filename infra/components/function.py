"""One Lambda function as the project runs them: Python 3.13 on arm64, its own log group with a
set retention, X-Ray tracing, Powertools settings, and a role that holds only what is granted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.components.packaging import ARCHITECTURE, RUNTIME
from infra.nag import acknowledge
from infra.settings import StageSettings

METRICS_NAMESPACE = "AlexaCameraSignaling"
RETENTION = {
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    90: logs.RetentionDays.THREE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
}


def channel_arn_pattern(scope: Construct, prefix: str, name: str = "*") -> str:
    """Channels `{prefix}{name}` of this deployment, any creation time (the ARN ends in it)."""
    return Stack.of(scope).format_arn(
        service="kinesisvideo",
        resource="channel",
        resource_name=f"{prefix}{name}/*",
        arn_format=ArnFormat.SLASH_RESOURCE_NAME,
    )


@dataclass(frozen=True)
class FunctionInputs:
    """What every function of a stage is built from."""

    settings: StageSettings
    code: lambda_.Code
    layers: Sequence[lambda_.ILayerVersion]
    registry_table: dynamodb.ITable


def retained_log_group(scope: Construct, construct_id: str, settings: StageSettings) -> logs.LogGroup:
    """A log group kept for the stage's retention and removed with the stack."""
    return logs.LogGroup(
        scope,
        construct_id,
        retention=RETENTION[settings.log_retention_days],
        removal_policy=RemovalPolicy.DESTROY,
    )


class SignalingFunction(Construct):
    """A function of this system; `service` names it in logs, traces and metrics, and its package
    (`functions/{service with _}/handler.py`)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        inputs: FunctionInputs,
        *,
        service: str,
        timeout: Duration,
        memory_size: int = 256,
        environment: Mapping[str, str] | None = None,
        function_name: str | None = None,
        reserved_concurrency: int | None = None,
        recursive_loop: lambda_.RecursiveLoop = lambda_.RecursiveLoop.TERMINATE,
        snap_start: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        settings = inputs.settings
        self.service = service
        self.settings = settings
        self.log_group = retained_log_group(self, "Logs", settings)
        # An own role instead of the default one: AWSLambdaBasicExecutionRole would allow writing
        # to every log group of the account.
        # Named when cell accounts must trust it by ARN (a generated name is unknown there).
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            role_name=settings.function_role_name(service) if settings.remote_cells() else None,
        )
        # The KVS actions it calls on channels (and whether it lists them), for the cell roles.
        self.channel_actions: list[str] = []
        self.lists_channels = False
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group_arn],
            )
        )
        self.lambda_function = lambda_.Function(
            self,
            "Function",
            function_name=function_name,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=f"functions.{service.replace('-', '_')}.handler.handler",
            code=inputs.code,
            layers=list(inputs.layers),
            role=self.role,
            timeout=timeout,
            memory_size=memory_size,
            log_group=self.log_group,
            tracing=lambda_.Tracing.ACTIVE,
            reserved_concurrent_executions=reserved_concurrency,
            recursive_loop=recursive_loop,
            # A published version starts from a snapshot of its initialized environment.
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if snap_start else None,
            environment={
                "REGISTRY_TABLE_NAME": inputs.registry_table.table_name,
                "CHANNEL_NAME_PREFIX": settings.channel_name_prefix,
                "MESSAGE_TTL_SECONDS": str(settings.message_ttl_seconds),
                "ENVIRONMENT_NAME": settings.name,
                "POWERTOOLS_SERVICE_NAME": service,
                "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
                "POWERTOOLS_LOG_LEVEL": settings.log_level,
                # Traces must not carry SDP (IP addresses) or TURN credentials from responses.
                "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
                # Nor exception objects: their text may quote a request (functions/common/observability.py
                # also cuts what the X-Ray SDK records to the error code).
                "POWERTOOLS_TRACER_CAPTURE_ERROR": "false",
                **(environment or {}),
            },
        )
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray PutTraceSegments/PutTelemetryRecords accept only '*' as resource.",
        )
        acknowledge(
            self.lambda_function,
            "AwsSolutions-L1",
            "Python 3.13 on purpose: the suite runs on it and the dependency layer is built for it.",
        )

    def consume(
        self, queue: sqs.IQueue, *, batch_size: int, max_concurrency: int, max_batching_window_s: int = 0
    ) -> None:
        """Batches from `queue`; a failed record returns alone (partial batch failures)."""
        self.lambda_function.add_event_source(
            sources.SqsEventSource(
                queue,
                batch_size=batch_size,
                report_batch_item_failures=True,
                max_concurrency=max_concurrency,
                max_batching_window=Duration.seconds(max_batching_window_s)
                if max_batching_window_s
                else None,
            )
        )

    def allow_table(
        self, table: dynamodb.ITable, actions: list[str], *, indexes: tuple[str, ...] = ()
    ) -> None:
        """Only these item actions on this table (and these named indexes, for Query)."""
        resources = [table.table_arn, *(f"{table.table_arn}/index/{index}" for index in indexes)]
        self.role.add_to_policy(
            iam.PolicyStatement(actions=[f"dynamodb:{a}" for a in actions], resources=resources)
        )

    def allow_channels(self, actions: list[str]) -> None:
        """These KVS actions on this deployment's channels only (`channel/{prefix}*/*`)."""
        pattern = channel_arn_pattern(self, self.settings.channel_name_prefix)
        self.channel_actions += actions
        self.role.add_to_policy(
            iam.PolicyStatement(actions=[f"kinesisvideo:{a}" for a in actions], resources=[pattern])
        )
        stack = Stack.of(self)
        finding = (
            f"arn:<AWS::Partition>:kinesisvideo:{stack.region}:{stack.account}:"
            f"channel/{self.settings.channel_name_prefix}*/*"
        )
        acknowledge(
            self.role,
            f"AwsSolutions-IAM5[Resource::{finding}]",
            "Channel ARNs end in a creation time unknown at deploy; scoped to this deployment's prefix.",
        )

    def allow_channel_listing(self) -> None:
        """ListSignalingChannels, which IAM scopes to no resource but '*'."""
        self.lists_channels = True
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["kinesisvideo:ListSignalingChannels"], resources=["*"])
        )
