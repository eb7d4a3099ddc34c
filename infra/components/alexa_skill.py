"""The Alexa Smart Home skill function and the permission that lets only this skill invoke it."""

from __future__ import annotations

from aws_cdk import Annotations, CfnOutput, Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from functions.common.registry.schema import OWNER_INDEX
from infra.components.account_linking import IdentityVariables
from infra.components.function import FunctionInputs, SignalingFunction
from infra.settings import SKILL_TIMEOUT_SECONDS

ALEXA_PRINCIPAL = "alexa-connectedhome.amazon.com"


class AlexaSkill(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, inputs: FunctionInputs, *, identity: IdentityVariables
    ) -> None:
        super().__init__(scope, construct_id)
        settings = inputs.settings
        self.function = SignalingFunction(
            self,
            "Skill",
            inputs,
            service="alexa-skill",
            timeout=Duration.seconds(SKILL_TIMEOUT_SECONDS),
            # More memory is more CPU: token checks and cold starts sit on the six-second path.
            memory_size=1024,
            # Imports, settings, clients and key source come from a snapshot taken when the version
            # is published, not from an INIT on Alexa's clock (docs/benchmarks.md, "Cold start").
            snap_start=True,
            environment={
                **identity.environment(),
                "SKILL_DEADLINE_SECONDS": str(settings.skill_deadline_seconds),
            },
        )
        self.function.allow_table(inputs.registry_table, ["GetItem", "Query"], indexes=(OWNER_INDEX,))
        self.function.allow_channels(["GetSignalingChannelEndpoint", "SendAlexaOfferToMaster"])
        # SnapStart applies to published versions only: Alexa calls the alias, which each deploy
        # moves to the version published from the new code.
        self.alias = lambda_.Alias(
            self, "Live", alias_name="live", version=self.function.lambda_function.current_version
        )
        # CDK warns at `snap_start=True` that nothing publishes a version yet; the alias does.
        Annotations.of(self.function.lambda_function).acknowledge_warning(
            "@aws-cdk/aws-lambda:snapStartRequirePublish", "the alias publishes a version on every deploy"
        )
        CfnOutput(self, "SkillEndpointArn", value=self.alias.function_arn)
        self.alias.add_permission(
            "AlexaSmartHome",
            principal=iam.ServicePrincipal(ALEXA_PRINCIPAL),
            action="lambda:InvokeFunction",
            event_source_token=settings.skill_id,
        )
