"""The skill's configuration: the shared settings plus identity and timing."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from functions.common.cells.config import CellSettings
from functions.common.settings import AlexaAuthorizationSettings

# Alexa drops a directive that is not answered within six seconds.
ALEXA_SLA_SECONDS = 6.0


class SkillSettings(AlexaAuthorizationSettings, CellSettings):
    identity_issuer: Annotated[str, Field(alias="IDENTITY_ISSUER", min_length=1)]
    # Matched against the token's `aud`, or its `client_id` (Cognito access tokens carry no `aud`).
    identity_audience: Annotated[str, Field(alias="IDENTITY_AUDIENCE", min_length=1)]
    identity_jwks_url: Annotated[str, Field(alias="IDENTITY_JWKS_URL", pattern=r"^(https?|file)://.+")]
    skill_deadline_seconds: Annotated[
        float, Field(alias="SKILL_DEADLINE_SECONDS", gt=0, lt=ALEXA_SLA_SECONDS)
    ] = 4.5
