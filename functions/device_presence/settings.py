"""The device presence function's configuration."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from functions.common.bus.device_events import DeviceEventSettings


class PresenceSettings(DeviceEventSettings):
    # Connectivity changes and doorbell presses go to the Alexa events function through this queue.
    alexa_events_queue_url: Annotated[str, Field(alias="ALEXA_EVENTS_QUEUE_URL", pattern=r"^https?://\S+$")]
