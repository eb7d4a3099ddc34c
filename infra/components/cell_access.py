"""The control side of cells: every function that calls KVS reads the cells from CELLS and may
assume exactly the cell roles; the device config function also the cells' camera credentials
roles (it hands cameras credentials for their own channel). The camera credentials role of the
cell in the control account (with no cells: the stage's one cell, `default`) is created here, so
every cell works the same."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_iam as iam
from constructs import Construct

from functions.common.cells.config import DEFAULT_CELL_ID
from infra.components.cell_roles import CameraCredentialsRole
from infra.components.function import SignalingFunction
from infra.settings import StageSettings


class CellAccess(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        settings: StageSettings,
        *,
        functions: Sequence[SignalingFunction],
        camera_credentials_issuer: SignalingFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        # The functions a cell role must let in, and what they do there.
        self.kvs_functions = [f for f in functions if f.channel_actions or f.lists_channels]
        self.camera_credentials_issuer = camera_credentials_issuer
        self.control_camera_role = self._control_camera_role(settings)
        remote = settings.remote_cells()
        camera_roles = [
            f"arn:aws:iam::{cell.account}:role/{settings.camera_role_name(cell.id)}" for cell in remote
        ]
        if self.control_camera_role is not None:
            camera_roles.append(self.control_camera_role.role.role_arn)
        if camera_roles:
            camera_credentials_issuer.role.add_to_policy(
                iam.PolicyStatement(actions=["sts:AssumeRole"], resources=camera_roles)
            )
        cells = settings.cells_variable()
        if cells is None:
            return
        cell_roles = [cell.role_arn for cell in remote if cell.role_arn is not None]
        for function in self.kvs_functions:
            function.lambda_function.add_environment("CELLS", cells)
            if cell_roles:
                function.role.add_to_policy(
                    iam.PolicyStatement(actions=["sts:AssumeRole"], resources=cell_roles)
                )

    def _control_camera_role(self, settings: StageSettings) -> CameraCredentialsRole | None:
        """The camera credentials role of the cell in the control account, if one is there."""
        if settings.cells:
            local = [cell.id for cell in settings.function_cells() if cell.role_arn is None]
        else:
            local = [DEFAULT_CELL_ID]
        if not local:
            return None
        (cell_id,) = local  # one cell per account and region, and the control account has one region
        return CameraCredentialsRole(
            self,
            "ControlCellCameraCredentials",
            role_name=settings.camera_role_name(cell_id),
            control_account=settings.account,
            issuer_role_arn=self.camera_credentials_issuer.role.role_arn,
            prefix=settings.channel_name_prefix,
        )
