"""Alarms (dead letters, function errors and throttles, offer-to-answer latency near Alexa's
six-second limit) to one encrypted SNS topic, and a dashboard of the same signals. Every alarm's
description ends with its section of the runbook (docs/runbook.md), where the operator it pages
reads what it means, how to look and what to do."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.components.function import METRICS_NAMESPACE, SignalingFunction
from infra.settings import StageSettings

LATENCY_METRIC = "OfferToAnswerLatency"
RUNBOOK = "docs/runbook.md"
PERIOD = Duration.minutes(1)


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        functions: list[SignalingFunction],
        skill: SignalingFunction,
        dead_letter_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(
            self,
            "Alarms",
            enforce_ssl=True,
            master_key=kms.Alias.from_alias_name(self, "SnsKey", "alias/aws/sns"),
        )
        if settings.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(settings.alarm_email))
        self.alarms: list[cloudwatch.Alarm] = []

        dead_letters = dead_letter_queue.metric_approximate_number_of_messages_visible(
            period=PERIOD, statistic="Maximum"
        )
        self._alarm(
            "DeadLetters",
            dead_letters,
            threshold=1,
            description="Device events failed and wait in the DLQ",
            runbook="lifecycle-dead-letters",
        )
        for fn in functions:
            self._alarm(
                f"{fn.node.id}Errors",
                fn.lambda_function.metric_errors(period=PERIOD, statistic="Sum"),
                threshold=1,
                description=f"{fn.service} raised errors",
                runbook="function-errors",
            )
            self._alarm(
                f"{fn.node.id}Throttles",
                fn.lambda_function.metric_throttles(period=PERIOD, statistic="Sum"),
                threshold=1,
                description=f"{fn.service} was throttled",
                runbook="function-throttles",
            )
        # Powertools adds `service` to every metric; the skill adds the directive it answered. A
        # CloudWatch metric is identified by all its dimensions, so the alarm names both.
        latency = cloudwatch.Metric(
            namespace=METRICS_NAMESPACE,
            metric_name=LATENCY_METRIC,
            dimensions_map={"service": skill.service, "Directive": "InitiateSessionWithOffer"},
            statistic="p99",
            period=Duration.minutes(5),
        )
        self._alarm(
            "OfferToAnswerLatency",
            latency,
            threshold=settings.latency_alarm_ms,
            evaluation_periods=3,
            description="p99 offer-to-answer latency is close to Alexa's six-second limit",
            runbook="offer-to-answer-latency",
        )

        self.dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=f"{settings.name}-camera-signaling"
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(title="Offer to answer (ms)", left=[latency], width=12),
            cloudwatch.GraphWidget(title="Lifecycle dead letters", left=[dead_letters], width=12),
            cloudwatch.GraphWidget(
                title="Invocations",
                left=[fn.lambda_function.metric_invocations(period=PERIOD) for fn in functions],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Errors",
                left=[fn.lambda_function.metric_errors(period=PERIOD) for fn in functions],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Duration p99",
                left=[fn.lambda_function.metric_duration(period=PERIOD, statistic="p99") for fn in functions],
                width=8,
            ),
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=list(self.alarms), width=24),
        )

    def watch(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        *,
        description: str,
        runbook: str,
        threshold: float = 1,
    ) -> None:
        """One more alarm on `metric` reaching `threshold`, to the same topic (a capability's own
        signal); `runbook` is the anchor of its section in the runbook."""
        self._alarm(construct_id, metric, threshold=threshold, description=description, runbook=runbook)

    def _alarm(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        description: str,
        runbook: str,
        evaluation_periods: int = 1,
    ) -> None:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=evaluation_periods,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=f"{description}. Runbook: {RUNBOOK}#{runbook}",
        )
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        self.alarms.append(alarm)
