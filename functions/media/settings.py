"""The media endpoint's configuration: the media settings and the identity provider the skill
checks directive tokens against (the same variables, the same verifier)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from functions.common.detections.media_settings import MediaSettings


class MediaEndpointSettings(MediaSettings):
    identity_issuer: Annotated[str, Field(alias="IDENTITY_ISSUER", min_length=1)]
    identity_audience: Annotated[str, Field(alias="IDENTITY_AUDIENCE", min_length=1)]
    identity_jwks_url: Annotated[str, Field(alias="IDENTITY_JWKS_URL", pattern=r"^(https?|file)://.+")]
