"""The detections function's configuration."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from functions.common.bus.device_events import DeviceEventSettings
from functions.common.detections.media_settings import MediaSettings


class DetectionsSettings(MediaSettings, DeviceEventSettings):
    # How old a detection may be when it arrives and still be recorded (and announced).
    # Where detections to announce and deletions to tell Alexa are queued for the events function.
    alexa_events_queue_url: Annotated[str, Field(alias="ALEXA_EVENTS_QUEUE_URL", pattern=r"^https?://\S+$")]
    detection_max_age_seconds: Annotated[int, Field(alias="DETECTION_MAX_AGE_SECONDS", ge=10, le=86400)] = 300
