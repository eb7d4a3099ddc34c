"""The presence sweep's configuration."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from functions.common.settings import FunctionSettings


class SweepSettings(FunctionSettings):
    # Cameras marked unreachable are announced to the Alexa events function through this queue.
    alexa_events_queue_url: Annotated[str, Field(alias="ALEXA_EVENTS_QUEUE_URL", pattern=r"^https?://\S+$")]
    # A camera refreshes its TURN credentials (valid 5 minutes) at least that often, checking in
    # each time; with no confirmation for this long, the sweep marks it unreachable.
    check_in_window_seconds: Annotated[int, Field(alias="CHECK_IN_WINDOW_SECONDS", ge=60, le=86_400)] = 600
    # The live-view canary's cameras (the stack sets it): the canary reports them, not the sweep.
    canary_device_ids: Annotated[frozenset[str], Field(alias="CANARY_DEVICE_IDS")] = frozenset()

    @field_validator("canary_device_ids", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return (
            frozenset(p.strip() for p in value.split(",") if p.strip()) if isinstance(value, str) else value
        )
