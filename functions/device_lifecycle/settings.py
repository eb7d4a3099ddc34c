"""The device lifecycle function's configuration."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from functions.common.cells import CellSettings
from functions.common.device_events import DeviceEventSettings


class LifecycleSettings(DeviceEventSettings, CellSettings):
    # Where applied changes are announced to the Alexa events function; unset: no proactive reports.
    alexa_events_queue_url: Annotated[
        str | None, Field(alias="ALEXA_EVENTS_QUEUE_URL", pattern=r"^https?://\S+$")
    ] = None
