"""The device config function's settings (environment variables, validated at cold start)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from functions.common.config import BaseSettings

# IAM role names: 1 to 64 of these characters.
ROLE_NAME_PATTERN = r"^[A-Za-z0-9_+=,.@-]{1,64}$"  # IAM role names: ASCII only


class DeviceConfigSettings(BaseSettings):
    # A camera that polls often costs one conditional write per interval, not one per request.
    check_in_interval_seconds: Annotated[int, Field(alias="CHECK_IN_INTERVAL_SECONDS", ge=1, le=3600)] = 60
    # When set, only sessions of this role are cameras; other principals allowed to invoke the
    # API (operators, CI) cannot pose as a camera by naming their session after one.
    camera_role_name: Annotated[str | None, Field(alias="CAMERA_ROLE_NAME", pattern=ROLE_NAME_PATTERN)] = None
