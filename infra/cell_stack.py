"""What the platform team deploys in each cell account (one stack per cell): the roles through
which the control account's functions, and cameras, reach the cell's channels."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from functions.common.cells.config import Cell
from infra.components.cell_access import CellAccess
from infra.components.cell_roles import CameraCredentialsRole, CellRole
from infra.settings import StageSettings


class CellStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        cell: Cell,
        access: CellAccess,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)

        def role_arn(service: str) -> str:
            # A name, not a reference: the function roles live in another account.
            return f"arn:aws:iam::{settings.account}:role/{settings.function_role_name(service)}"

        self.cell_role = CellRole(
            self,
            "Functions",
            role_name=settings.cell_role_name(cell.id),
            control_account=settings.account,
            function_role_arns=[role_arn(f.service) for f in access.kvs_functions],
            prefix=settings.channel_name_prefix,
            channel_actions=[a for f in access.kvs_functions for a in f.channel_actions],
            lists_channels=any(f.lists_channels for f in access.kvs_functions),
        )
        self.camera_role = CameraCredentialsRole(
            self,
            "CameraCredentials",
            role_name=settings.camera_role_name(cell.id),
            control_account=settings.account,
            issuer_role_arn=role_arn(access.camera_credentials_issuer.service),
            prefix=settings.channel_name_prefix,
        )
        CfnOutput(self, "CellRoleArn", value=self.cell_role.role.role_arn)
        CfnOutput(self, "CameraCredentialsRoleArn", value=self.camera_role.role.role_arn)
