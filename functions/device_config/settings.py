"""The device config function's settings (environment variables, validated at cold start)."""

from __future__ import annotations

import re
from typing import Annotated, Self

from pydantic import Field, model_validator

from functions.common.cells.config import DEFAULT_CELL_ID, CellSettings, camera_role_name

# IAM role names: 1 to 64 of these characters.
ROLE_NAME_PATTERN = r"^[A-Za-z0-9_+=,.@-]{1,64}$"  # IAM role names: ASCII only
ACCOUNT_ID_PATTERN = r"^[0-9]{12}$"


class DeviceConfigSettings(CellSettings):
    # A camera that polls often costs one conditional write per interval, not one per request.
    check_in_interval_seconds: Annotated[int, Field(alias="CHECK_IN_INTERVAL_SECONDS", ge=1, le=3600)] = 60
    # Only sessions of this role are cameras; other principals allowed to invoke the API
    # (operators, CI) cannot pose as a camera by naming their session after one. Required: there
    # is no safe default.
    camera_role_name: Annotated[str, Field(alias="CAMERA_ROLE_NAME", pattern=ROLE_NAME_PATTERN)]
    # Only sessions in this account are cameras (unset: the function's own account): a role of the
    # same name in another account that may invoke the API (shared access, a partner) is not it.
    camera_account_id: Annotated[str | None, Field(alias="CAMERA_ACCOUNT_ID", pattern=ACCOUNT_ID_PATTERN)] = (
        None
    )
    # How long a camera's channel credentials last: STS's minimum (15 min) to a role's default
    # maximum session (1 h). A camera asks again for TURN servers every few minutes anyway.
    camera_credentials_duration_seconds: Annotated[
        int, Field(alias="CAMERA_CREDENTIALS_DURATION_SECONDS", ge=900, le=3600)
    ] = 900

    @model_validator(mode="after")
    def _camera_roles_named(self) -> Self:
        """Each cell's camera credentials role is `{ENVIRONMENT_NAME}-camera-{cell id}`, as the
        stacks name it: every one must be a valid IAM role name."""
        cell_ids = [c.id for c in self.cells_config] if self.cells_config else [DEFAULT_CELL_ID]
        for cell_id in cell_ids:
            name = camera_role_name(self.environment, cell_id)
            if not re.fullmatch(ROLE_NAME_PATTERN, name):
                raise ValueError(
                    f"ENVIRONMENT_NAME: the camera role of cell {cell_id!r}, {name!r}, is not an IAM "
                    "role name (at most 64 of A-Z a-z 0-9 _+=,.@-)"
                )
        return self

    def camera_role_arn(self, channel_arn: str, cell_id: str) -> str:
        """The camera role of the cell holding the channel, in the channel's account."""
        _, partition, _, _, account, _ = channel_arn.split(":", 5)
        return f"arn:{partition}:iam::{account}:role/{camera_role_name(self.environment, cell_id)}"
