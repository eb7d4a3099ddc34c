"""The stateless service: one construct per capability, composed here."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from infra.components.account_linking import identity_variables
from infra.components.alexa_skill import AlexaSkill
from infra.components.device_config import DeviceConfig
from infra.components.device_lifecycle import DeviceLifecycle
from infra.components.monitoring import Monitoring
from infra.components.packaging import function_code, powertools_layer
from infra.components.tag_rotation import TagRotation
from infra.settings import StageSettings


class ServiceStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        registry_table: dynamodb.ITable,
        rotation_state_table: dynamodb.ITable,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        layers = [powertools_layer(self)]
        shared_code = function_code()
        common = {"settings": settings, "layers": layers, "registry_table": registry_table}

        self.skill = AlexaSkill(
            self,
            "AlexaSkill",
            code=function_code(("PyJWT",)),
            identity=identity_variables(self, settings.identity),
            **common,
        )
        self.lifecycle = DeviceLifecycle(self, "DeviceLifecycle", code=shared_code, **common)
        self.rotation = TagRotation(
            self, "TagRotation", code=shared_code, state_table=rotation_state_table, **common
        )
        self.device_config = DeviceConfig(self, "DeviceConfig", code=shared_code, **common)
        Monitoring(
            self,
            "Monitoring",
            settings=settings,
            functions=[
                self.skill.handler,
                self.lifecycle.handler,
                self.rotation.handler,
                self.device_config.handler,
            ],
            skill=self.skill.handler,
            dead_letter_queue=self.lifecycle.dead_letter_queue,
        )
