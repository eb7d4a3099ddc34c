"""The stateless service: one construct per capability, composed here."""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.components.account_linking import identity_variables
from infra.components.alexa_events import AlexaEvents
from infra.components.alexa_skill import AlexaSkill
from infra.components.canary import LiveViewCanary
from infra.components.cell_access import CellAccess
from infra.components.detections import Detections, MediaData
from infra.components.device_config import ROUTE_PATH, DeviceConfigApi
from infra.components.device_lifecycle import DeviceLifecycle
from infra.components.device_presence import DevicePresence
from infra.components.function import FunctionInputs
from infra.components.media_endpoint import MediaEndpoint
from infra.components.monitoring import Monitoring
from infra.components.packaging import dependencies_layer, function_code
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
        placement_table: dynamodb.ITable,
        rotation_state_table: dynamodb.ITable,
        grants_table: dynamodb.ITable,
        grants_key: kms.IKey,
        client_secret: secretsmanager.ISecret,
        detections_table: dynamodb.ITable,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        inputs = FunctionInputs(
            settings=settings,
            code=function_code(),
            layers=[dependencies_layer(self)],
            registry_table=registry_table,
        )
        identity = identity_variables(self, settings.identity, canary=bool(settings.canary.devices))
        self.skill = AlexaSkill(self, "AlexaSkill", inputs, identity=identity)
        self.lifecycle = DeviceLifecycle(self, "DeviceLifecycle", inputs, placement_table=placement_table)
        self.presence = DevicePresence(self, "DevicePresence", inputs, bus=self.lifecycle.bus)
        self.rotation = TagRotation(self, "TagRotation", inputs, state_table=rotation_state_table)
        self.device_config = DeviceConfigApi(self, "DeviceConfig", inputs)
        self.alexa_events = AlexaEvents(
            self,
            "AlexaEvents",
            inputs,
            grants_table=grants_table,
            grants_key=grants_key,
            client_secret=client_secret,
        )
        # Images are served on the device config API: image URIs are {its URL}/media/{ref}.
        # By its fixed name: no export ties the stateful bucket to this stack's grants.
        bucket = s3.Bucket.from_bucket_name(self, "MediaBucket", settings.media_bucket_name())
        media = MediaData(settings.detections, detections_table, bucket, self.device_config.url)
        self.device_config.allow_uploads(media)
        self.detections = Detections(self, "Detections", inputs, bus=self.lifecycle.bus, media=media)
        self.media = MediaEndpoint(
            self, "MediaEndpoint", inputs, api=self.device_config.api, identity=identity, media=media
        )
        # GetSnapshot mints references, SetObjectDetectionClasses stores the classes, ReportData
        # pages, DeleteData deletes the rows and their images.
        media.give(
            self.skill.function, table=["GetItem", "PutItem", "Query", "DeleteItem"], objects=["DeleteObject"]
        )
        # AcceptGrant stores the grant; the lifecycle function announces applied changes.
        for name, value in self.alexa_events.grant_environment().items():
            self.skill.function.lambda_function.add_environment(name, value)
        self.alexa_events.allow_grants(self.skill.function, ["PutItem"])
        self.alexa_events.publisher(self.lifecycle.function)
        self.alexa_events.publisher(self.presence.function)
        self.alexa_events.publisher(self.presence.sweep)
        self.alexa_events.publisher(self.detections.function)
        functions = [
            self.skill.function,
            self.lifecycle.function,
            self.rotation.function,
            self.device_config.function,
            self.alexa_events.function,
            self.presence.function,
            self.presence.sweep,
            self.detections.function,
            self.media.function,
        ]
        self.cell_access = CellAccess(
            self,
            "CellAccess",
            settings,
            functions=functions,
            camera_credentials_issuer=self.device_config.function,
        )
        monitoring = Monitoring(
            self,
            "Monitoring",
            settings=settings,
            functions=functions,
            skill=self.skill.function,
            dead_letter_queue=self.lifecycle.dead_letter_queue,
        )
        monitoring.watch(
            "AlexaEventsDeadLetters",
            self.alexa_events.dead_letter_queue.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(1), statistic="Maximum"
            ),
            description="Alexa events failed and wait in their DLQ",
            runbook="alexa-events-dead-letters",
        )
        monitoring.watch(
            "PresenceDeadLetters",
            self.presence.dead_letter_queue.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(1), statistic="Maximum"
            ),
            description="Presence or doorbell events failed and wait in their DLQ",
            runbook="presence-dead-letters",
        )
        monitoring.watch(
            "DetectionsDeadLetters",
            self.detections.dead_letter_queue.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(1), statistic="Maximum"
            ),
            description="Detection or snapshot events failed and wait in their DLQ",
            runbook="detections-dead-letters",
        )
        monitoring.watch(
            "RotationLostInvocations",
            self.rotation.lost_invocations.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(1), statistic="Maximum"
            ),
            description="A rotation continuation was lost; the next scheduled run resumes the run",
            runbook="rotation-lost-invocations",
        )
        monitoring.watch(
            "FleetFull",
            self.lifecycle.fleet_full_metric(),
            description="Every cell is at capacity: registrations wait in the lifecycle DLQ for capacity",
            runbook="fleet-full",
        )
        monitoring.watch(
            "AlexaGatewayFailures",
            self.alexa_events.failure_metric(),
            description="Events not delivered to the Alexa gateway (refused, or gateway/LWA down)",
            runbook="alexa-gateway-failures",
        )
        if settings.canary.devices:
            self.canary = LiveViewCanary(
                self,
                "LiveViewCanary",
                inputs,
                identity=identity,
                skill_alias=self.skill.alias,
                config_url=f"{self.device_config.url}{ROUTE_PATH}",
                camera_role=self.device_config.camera_role,
                monitoring=monitoring,
                sweep=self.presence.sweep,
            )
