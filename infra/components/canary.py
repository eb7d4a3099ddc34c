"""The live-view canary (functions/canary): the function `make smoke` invokes by its name, one
schedule per cell naming that cell's canary camera, the secret it takes the canary owner's token
from, least-privilege grants, alarms per cell and a dashboard row (docs/functions.md, "Live-view canary
and smoke test"; each alarm's section of docs/runbook.md)."""

from __future__ import annotations

import json

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from functions.canary import metrics
from functions.canary.smoke import function_name
from infra.components.account_linking import IdentityVariables
from infra.components.function import METRICS_NAMESPACE, FunctionInputs, SignalingFunction
from infra.components.monitoring import Monitoring
from infra.nag import acknowledge

# Each run tries every step once; a cell's run takes seconds, `make smoke` runs every cell's.
TIMEOUT = Duration.minutes(2)
# Two failed runs in 15 minutes (two of three at the default rate): one lost run is noise.
FAILURE_PERIOD = Duration.minutes(15)
FAILED_RUNS = 2


class LiveViewCanary(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        inputs: FunctionInputs,
        *,
        identity: IdentityVariables,
        skill_alias: lambda_.IAlias,
        config_url: str,
        camera_role: iam.Role,
        monitoring: Monitoring,
        sweep: SignalingFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        settings = inputs.settings
        devices = settings.canary.devices
        self.secret = self._secret(settings.name, cognito=identity.user_pool is not None)
        environment = {
            "CANARY_DEVICE_IDS": ",".join(devices.values()),
            "CANARY_SKILL_FUNCTION": skill_alias.function_arn,
            "CANARY_CONFIG_URL": config_url,
            "CANARY_CAMERA_ROLE_ARN": camera_role.role_arn,
            "CANARY_TOKEN_SECRET_ID": self.secret.secret_arn,
            "CANARY_IDENTITY_PROVIDER": "refresh",
        }
        if identity.user_pool is not None:
            environment |= {
                "CANARY_IDENTITY_PROVIDER": "cognito",
                "CANARY_USER_POOL_ID": identity.user_pool.user_pool_id,
                "CANARY_CLIENT_ID": identity.audience,
            }
        if (cells := settings.cells_variable()) is not None:
            environment["CELLS"] = cells  # to name the cell of a channel's account
        self.function = SignalingFunction(
            self,
            "Canary",
            inputs,
            service="canary",
            timeout=TIMEOUT,
            function_name=function_name(settings.name),
            environment=environment,
        )
        # A silent canary camera (the schedule off) is not a customer's outage: the sweep skips it.
        sweep.lambda_function.add_environment("CANARY_DEVICE_IDS", environment["CANARY_DEVICE_IDS"])
        # One scheduled run is one measurement: a retried run would count a failure twice.
        self.function.lambda_function.configure_async_invoke(retry_attempts=0)
        self._grant(identity, skill_alias, camera_role, list(devices.values()))
        if settings.canary.schedule != "off":
            for cell, device_id in devices.items():
                events.Rule(
                    self,
                    f"Schedule-{cell}",
                    description=f"The live-view canary of cell {cell}",
                    schedule=events.Schedule.expression(settings.canary.schedule),
                    targets=[
                        targets.LambdaFunction(
                            self.function.lambda_function,
                            event=events.RuleTargetInput.from_object({"deviceIds": [device_id]}),
                            retry_attempts=0,
                        )
                    ],
                )
        self._monitor(monitoring, list(devices), settings.latency_alarm_ms)
        # A canary that cannot run (a bad setting stops it at start) reports no failed run.
        monitoring.watch(
            "CanaryErrors",
            self.function.lambda_function.metric_errors(period=Duration.minutes(5), statistic="Sum"),
            description="The live-view canary itself failed (its logs name the setting)",
            runbook="canary-errors",
        )

    def _secret(self, stage: str, *, cognito: bool) -> secretsmanager.Secret:
        if cognito:
            # The canary user's sign-in; the operator creates the user with it (docs/functions.md).
            secret = secretsmanager.Secret(
                self,
                "Token",
                description="The live-view canary user's Cognito sign-in",
                generate_secret_string=secretsmanager.SecretStringGenerator(
                    secret_string_template=json.dumps({"username": f"canary@{stage}.invalid"}),
                    generate_string_key="password",
                    password_length=32,
                    require_each_included_type=True,
                ),
            )
            reason = "The Cognito canary user's password changes with the user (docs), not alone."
        else:
            # Random until the operator puts the provider's refresh token in it (docs/functions.md).
            secret = secretsmanager.Secret(
                self, "Token", description="The live-view canary owner's refresh token (set by the operator)"
            )
            reason = "A refresh token is issued by the external identity provider, which rotates it."
        acknowledge(secret, "AwsSolutions-SMG4", reason)
        return secret

    def _grant(
        self,
        identity: IdentityVariables,
        skill_alias: lambda_.IAlias,
        camera_role: iam.Role,
        device_ids: list[str],
    ) -> None:
        role = self.function.role
        role.add_to_policy(
            iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=[self.secret.secret_arn])
        )
        if identity.user_pool is not None:
            role.add_to_policy(
                iam.PolicyStatement(
                    actions=["cognito-idp:DescribeUserPoolClient"],
                    resources=[identity.user_pool.user_pool_arn],
                )
            )
        # The alias Alexa invokes, nothing else of the skill.
        role.add_to_policy(
            iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[skill_alias.function_arn])
        )
        role.add_to_policy(iam.PolicyStatement(actions=["sts:AssumeRole"], resources=[camera_role.role_arn]))
        # The camera role lets the canary in as its own cameras only (session name = deviceId,
        # as the IoT credentials provider names a real camera's session).
        camera_role.assume_role_policy.add_statements(  # type: ignore[union-attr]
            iam.PolicyStatement(
                actions=["sts:AssumeRole"],
                principals=[iam.ArnPrincipal(role.role_arn)],
                conditions={"StringEquals": {"sts:RoleSessionName": sorted(device_ids)}},
            )
        )

    def _monitor(self, monitoring: Monitoring, cells: list[str], answer_alarm_ms: int) -> None:
        failed, answer = [], []
        for cell in cells:
            dimensions = {"Cell": cell}
            failed_runs = cloudwatch.Metric(
                namespace=METRICS_NAMESPACE,
                metric_name=metrics.FAILED,
                dimensions_map=dimensions,
                statistic="Sum",
                period=FAILURE_PERIOD,
            )
            answer_time = cloudwatch.Metric(
                namespace=METRICS_NAMESPACE,
                metric_name=metrics.ANSWER_TIME,
                dimensions_map=dimensions,
                statistic="Maximum",
                period=FAILURE_PERIOD,
            )
            monitoring.watch(
                f"CanaryFailed-{cell}",
                failed_runs,
                threshold=FAILED_RUNS,
                description=f"Live view is broken in cell {cell}: the canary failed {FAILED_RUNS} runs "
                "in 15 minutes. The failing step is on the dashboard",
                runbook="canary-failed",
            )
            monitoring.watch(
                f"CanaryAnswerTime-{cell}",
                answer_time,
                threshold=answer_alarm_ms,
                description=f"The canary's answer in cell {cell} took {answer_alarm_ms} ms or more, "
                "close to the 6 s Alexa waits",
                runbook="canary-answer-time",
            )
            failed.append(failed_runs.with_(label=f"cell {cell}"))
            answer.append(answer_time.with_(label=f"cell {cell}"))
        step_failures = cloudwatch.MathExpression(
            expression=f"SEARCH('{{{METRICS_NAMESPACE},Cell,Step}} MetricName=\"{metrics.STEP_FAILED}\"', "
            "'Sum', 300)",
            label="",
            period=Duration.minutes(5),
        )
        monitoring.dashboard.add_widgets(
            cloudwatch.GraphWidget(title="Canary failed runs by cell", left=failed, width=8),
            cloudwatch.GraphWidget(title="Canary failed steps (cell, step)", left=[step_failures], width=8),
            cloudwatch.GraphWidget(title="Canary answer time (ms)", left=answer, width=8),
        )
