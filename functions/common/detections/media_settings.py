"""What every function touching detections and images shares: the media bucket, the detections
table, where image references are served, and how long references and detections live."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from functions.common.settings import FunctionSettings


class MediaSettings(FunctionSettings):
    media_bucket_name: Annotated[str, Field(alias="MEDIA_BUCKET_NAME", min_length=3, max_length=63)]
    detections_table_name: Annotated[str, Field(alias="DETECTIONS_TABLE_NAME", min_length=3, max_length=255)]
    # The media endpoint's base URL; image URIs are `{MEDIA_URL_BASE}/media/{ref}`.
    media_url_base: Annotated[str, Field(alias="MEDIA_URL_BASE", pattern=r"^https?://[^\s?#]+[^/\s?#]$")]
    # Alexa recommends image URIs valid for 10 minutes; it asks again on a 410.
    snapshot_uri_ttl_seconds: Annotated[int, Field(alias="SNAPSHOT_URI_TTL_SECONDS", ge=60, le=3600)] = 600
    detection_retention_days: Annotated[int, Field(alias="DETECTION_RETENTION_DAYS", ge=1, le=365)] = 30

    @property
    def retention_seconds(self) -> int:
        return self.detection_retention_days * 24 * 3600
