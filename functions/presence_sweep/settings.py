"""The presence sweep's configuration."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from functions.common.settings import FunctionSettings


class SweepSettings(FunctionSettings):
    # Cameras marked unreachable are announced to the Alexa events function through this queue.
    alexa_events_queue_url: Annotated[str, Field(alias="ALEXA_EVENTS_QUEUE_URL", pattern=r"^https?://\S+$")]
    # A camera refreshes its TURN credentials (valid 5 minutes) at least that often, checking in
    # each time; with no confirmation for this long, the sweep marks it unreachable.
    check_in_window_seconds: Annotated[int, Field(alias="CHECK_IN_WINDOW_SECONDS", ge=60, le=86_400)] = 600
