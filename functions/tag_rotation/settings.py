"""The tag rotation function's configuration (environment variables, validated at cold start)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from functions.common.cells.config import CellSettings

# AWS allows 50 TPS per tagging operation per account; the default leaves room for the
# lifecycle function and people working in the console at the same time.
DEFAULT_MAX_TPS = 40
CHANNEL_TPS_QUOTA = 5


class RotationSettings(CellSettings):
    rotation_state_table_name: Annotated[
        str, Field(alias="ROTATION_STATE_TABLE_NAME", min_length=3, max_length=255)
    ]
    # Calls per second per KVS operation in each cell's account (each operation has its own quota).
    max_tps: Annotated[int, Field(alias="ROTATION_MAX_TPS", ge=1, le=100_000)] = DEFAULT_MAX_TPS
    channel_tps: Annotated[int, Field(alias="ROTATION_CHANNEL_TPS", ge=1, le=100_000)] = CHANNEL_TPS_QUOTA
    # Channels handled at once, per cell (the cells run in parallel).
    workers: Annotated[int, Field(alias="ROTATION_WORKERS", ge=1, le=64)] = 16
    page_size: Annotated[int, Field(alias="ROTATION_PAGE_SIZE", ge=1, le=10_000)] = 100
    # Stop taking new channels when less than this is left of the invocation.
    stop_margin_seconds: Annotated[float, Field(alias="ROTATION_STOP_MARGIN_SECONDS", ge=0, le=600)] = 30.0
    max_attempts: Annotated[int, Field(alias="ROTATION_MAX_ATTEMPTS", ge=1, le=20)] = 8
    # Set by Lambda; when present, a run cut short continues in a new asynchronous invocation.
    function_name: Annotated[str | None, Field(alias="AWS_LAMBDA_FUNCTION_NAME")] = None
