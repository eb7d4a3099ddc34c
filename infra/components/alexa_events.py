"""Outbound Alexa events: an encrypted queue (with a dead-letter queue) that the lifecycle and
presence functions feed, the events function that drains it with partial batch failures, and the rights
to the grants table, its key and the client secret, for this function and the skill."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from functions.common.queue_schema import ALEXA_EVENTS_BATCH_SIZE, LIFECYCLE_FUNCTION_TIMEOUT_SECONDS
from infra.components.event_queue import build_event_queue
from infra.components.function import METRICS_NAMESPACE, FunctionInputs, SignalingFunction

SERVICE = "alexa-events"
# Bounds the calls per second to the gateway and to LWA from one deployment.
MAX_CONCURRENCY = 10


class AlexaEvents(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        inputs: FunctionInputs,
        *,
        grants_table: dynamodb.ITable,
        grants_key: kms.IKey,
        client_secret: secretsmanager.ISecret,
    ) -> None:
        super().__init__(scope, construct_id)
        self._grants_table = grants_table
        self._grants_key = grants_key
        self._client_secret = client_secret
        # Messages name a device and its owners, never a token.
        self.queue, self.dead_letter_queue = build_event_queue(self)
        self.function = self._build_function(inputs)

    def _build_function(self, inputs: FunctionInputs) -> SignalingFunction:
        function = SignalingFunction(
            self,
            "Sender",
            inputs,
            service=SERVICE,
            # The queue's visibility timeout is six times this (shared queue settings).
            timeout=Duration.seconds(LIFECYCLE_FUNCTION_TIMEOUT_SECONDS),
            environment=self.grant_environment(),
        )
        function.consume(self.queue, batch_size=ALEXA_EVENTS_BATCH_SIZE, max_concurrency=MAX_CONCURRENCY)
        # UpdateItem records the connectivity the owner's Alexa accepted.
        function.allow_table(inputs.registry_table, ["GetItem", "UpdateItem"])
        self.allow_grants(function, ["GetItem", "UpdateItem", "DeleteItem"])
        return function

    def grant_environment(self) -> dict[str, str]:
        return {
            "GRANTS_TABLE_NAME": self._grants_table.table_name,
            "ALEXA_CLIENT_SECRET_ID": self._client_secret.secret_arn,
        }

    def allow_grants(self, fn: SignalingFunction, actions: list[str]) -> None:
        """These item actions on the grants table, its key, and reading the client secret."""
        fn.allow_table(self._grants_table, actions)
        writes = any(a in ("PutItem", "UpdateItem") for a in actions)
        key_actions = ["kms:Decrypt", *(["kms:Encrypt", "kms:GenerateDataKey"] if writes else [])]
        fn.role.add_to_policy(iam.PolicyStatement(actions=key_actions, resources=[self._grants_key.key_arn]))
        fn.role.add_to_policy(
            iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue"], resources=[self._client_secret.secret_arn]
            )
        )

    def publisher(self, fn: SignalingFunction) -> None:
        """`fn` announces changes on the queue (ALEXA_EVENTS_QUEUE_URL)."""
        fn.lambda_function.add_environment("ALEXA_EVENTS_QUEUE_URL", self.queue.queue_url)
        fn.role.add_to_policy(
            iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[self.queue.queue_arn])
        )

    def failure_metric(self) -> cloudwatch.Metric:
        """Events not delivered: gateway defects, and gateway or LWA outages beyond the retries."""
        return cloudwatch.Metric(
            namespace=METRICS_NAMESPACE,
            metric_name="GatewayFailures",
            dimensions_map={"service": SERVICE},
            statistic="Sum",
            period=Duration.minutes(5),
        )
