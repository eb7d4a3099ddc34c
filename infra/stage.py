"""One deployment of the whole system (an environment in one account and region)."""

from __future__ import annotations

from aws_cdk import Environment, Stage, Tags
from constructs import Construct

from infra.cell_stack import CellStack
from infra.service_stack import ServiceStack
from infra.settings import StageSettings
from infra.stateful_stack import StatefulStack


class SignalingStage(Stage):
    def __init__(self, scope: Construct, settings: StageSettings) -> None:
        super().__init__(
            scope, settings.name, env=Environment(account=settings.account, region=settings.region)
        )
        self.stateful = StatefulStack(
            self,
            "Stateful",
            description="Camera signaling: device registry",
            media_bucket_name=settings.media_bucket_name(),
            detection_retention_days=settings.detections.retention_days,
        )
        self.service = ServiceStack(
            self,
            "Service",
            description="Camera signaling: Alexa skill, device lifecycle, tag rotation, device config",
            settings=settings,
            registry_table=self.stateful.registry_table,
            placement_table=self.stateful.placement_table,
            rotation_state_table=self.stateful.rotation_state_table,
            grants_table=self.stateful.grants_table,
            grants_key=self.stateful.grants_key,
            client_secret=self.stateful.client_secret,
            detections_table=self.stateful.detections_table,
        )
        # One stack per cell outside the control account, deployed into that account.
        self.cells = {
            cell.id: CellStack(
                self,
                f"Cell-{cell.id}",
                description=f"Camera signaling: cell {cell.id} (roles for the control account)",
                env=Environment(account=cell.account, region=cell.region),
                settings=settings,
                cell=cell,
                access=self.service.cell_access,
            )
            for cell in settings.remote_cells()
        }
        Tags.of(self).add("project", "alexa-camera-signaling")
        Tags.of(self).add("environment", settings.name)
