"""The device config function's settings (environment variables, validated at cold start)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from functions.common.cells import CellSettings

# IAM role names: 1 to 64 of these characters.
ROLE_NAME_PATTERN = r"^[A-Za-z0-9_+=,.@-]{1,64}$"  # IAM role names: ASCII only
ACCOUNT_ID_PATTERN = r"^[0-9]{12}$"


class DeviceConfigSettings(CellSettings):
    # A camera that polls often costs one conditional write per interval, not one per request.
    check_in_interval_seconds: Annotated[int, Field(alias="CHECK_IN_INTERVAL_SECONDS", ge=1, le=3600)] = 60
    # When set, only sessions of this role are cameras; other principals allowed to invoke the
    # API (operators, CI) cannot pose as a camera by naming their session after one.
    camera_role_name: Annotated[str | None, Field(alias="CAMERA_ROLE_NAME", pattern=ROLE_NAME_PATTERN)] = None
    # When set, only sessions in this account are cameras: a role of the same name in another
    # account that may invoke the API (shared access, a partner account) is not the camera role.
    camera_account_id: Annotated[str | None, Field(alias="CAMERA_ACCOUNT_ID", pattern=ACCOUNT_ID_PATTERN)] = (
        None
    )
