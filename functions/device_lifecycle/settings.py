"""The device lifecycle function's configuration."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from functions.common.bus.device_events import DeviceEventSettings
from functions.common.cells.config import CellSettings


class LifecycleSettings(DeviceEventSettings, CellSettings):
    # Where applied changes are announced to the Alexa events function; unset: no proactive reports.
    alexa_events_queue_url: Annotated[
        str | None, Field(alias="ALEXA_EVENTS_QUEUE_URL", pattern=r"^https?://\S+$")
    ] = None
    # The cell placement table (functions.common.cells.placement); unset: no placement, which only
    # a stage with one cell can do without (every channel goes to that cell, as before cells).
    placement_table_name: Annotated[
        str | None, Field(alias="PLACEMENT_TABLE_NAME", min_length=3, max_length=255)
    ] = None

    @model_validator(mode="after")
    def _placement_for_several_cells(self) -> LifecycleSettings:
        if self.placement_table_name is None and self.cells_config is not None and len(self.cells_config) > 1:
            raise ValueError("PLACEMENT_TABLE_NAME is required when CELLS names more than one cell")
        return self
