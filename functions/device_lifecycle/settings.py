"""The device lifecycle function's configuration."""

from __future__ import annotations

from functools import cache
from typing import Annotated

from pydantic import Field

from functions.common.config import BaseSettings

DEFAULT_EVENT_SOURCE = "camera.registry"


class LifecycleSettings(BaseSettings):
    device_event_source: Annotated[str, Field(alias="DEVICE_EVENT_SOURCE", min_length=1, max_length=256)] = (
        DEFAULT_EVENT_SOURCE
    )


@cache
def load_settings() -> LifecycleSettings:
    """The settings, read and validated once per container (at the first invocation)."""
    return LifecycleSettings.load()
