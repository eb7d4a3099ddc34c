"""The control side of cells: every function that calls KVS reads the cells from CELLS and may
assume exactly the cell roles; the device config function also the cells' camera credentials
roles (it hands cameras credentials for their own channel). Nothing when the stage has no cells."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_iam as iam
from constructs import Construct

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
        cells = settings.cells_variable()
        if cells is None:
            return
        remote = settings.remote_cells()
        cell_roles = [cell.role_arn for cell in remote if cell.role_arn is not None]
        for function in self.kvs_functions:
            function.lambda_function.add_environment("CELLS", cells)
            if cell_roles:
                function.role.add_to_policy(
                    iam.PolicyStatement(actions=["sts:AssumeRole"], resources=cell_roles)
                )
        if remote:
            camera_roles = [
                f"arn:aws:iam::{cell.account}:role/{settings.camera_role_name(cell.id)}" for cell in remote
            ]
            camera_credentials_issuer.role.add_to_policy(
                iam.PolicyStatement(actions=["sts:AssumeRole"], resources=camera_roles)
            )
