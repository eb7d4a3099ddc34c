"""The Alexa Smart Home skill function and the permission that lets only this skill invoke it."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from functions.common.registry_schema import OWNER_INDEX
from infra.components.account_linking import IdentityVariables
from infra.components.function import SignalingFunction
from infra.settings import SKILL_TIMEOUT_SECONDS, StageSettings

ALEXA_PRINCIPAL = "alexa-connectedhome.amazon.com"


class AlexaSkill(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        code: lambda_.Code,
        layers: list[lambda_.ILayerVersion],
        registry_table: dynamodb.ITable,
        identity: IdentityVariables,
    ) -> None:
        super().__init__(scope, construct_id)
        self.handler = SignalingFunction(
            self,
            "Skill",
            settings=settings,
            service="alexa-skill",
            handler="functions.alexa_skill.handler.handler",
            code=code,
            layers=layers,
            registry_table=registry_table,
            timeout=Duration.seconds(SKILL_TIMEOUT_SECONDS),
            # More memory is more CPU: token checks and cold starts sit on the six-second path.
            memory_size=1024,
            environment={
                **identity.environment(),
                "SKILL_DEADLINE_SECONDS": str(settings.skill_deadline_seconds),
                "CHECK_IN_WINDOW_SECONDS": str(settings.check_in_window_seconds),
            },
        )
        self.handler.allow_table(registry_table, ["GetItem", "Query"], indexes=(OWNER_INDEX,))
        self.handler.allow_channels(["GetSignalingChannelEndpoint", "SendAlexaOfferToMaster"])
        self.handler.function.add_permission(
            "AlexaSmartHome",
            principal=iam.ServicePrincipal(ALEXA_PRINCIPAL),
            action="lambda:InvokeFunction",
            event_source_token=settings.skill_id,
        )
