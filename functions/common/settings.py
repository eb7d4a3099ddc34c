"""Configuration from environment variables, validated once at cold start.

Each function declares the settings it needs as a subclass of `FunctionSettings`; `load()` reads
`os.environ` and raises `ConfigurationError` naming the variable that is missing or bad, so a
misconfigured deploy fails at start, not on the first camera.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from functions.common.validation_errors import one_line

# KVS ChannelName characters. The prefix is at most 64 of them, so that prefix and deviceId
# (functions.common.device_id) always fit a channel name's 256.
NAME_CHARS = r"[a-zA-Z0-9_.-]"
# The TTL is how long KVS keeps an offer for a master that is not connected. Alexa waits 6 s for
# the answer (the skill 4.5 s), so an offer kept longer can only reach a camera that connects after
# Alexa gave up: the default is KVS's minimum (README, "Message TTL").
MESSAGE_TTL_MIN, MESSAGE_TTL_MAX = 5, 120
MESSAGE_TTL_DEFAULT = MESSAGE_TTL_MIN


class ConfigurationError(RuntimeError):
    """A required environment variable is missing or invalid."""


class FunctionSettings(BaseModel):
    """Settings every function shares. Field aliases are the environment variable names."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    registry_table_name: Annotated[str, Field(alias="REGISTRY_TABLE_NAME", min_length=3, max_length=255)]
    channel_name_prefix: Annotated[
        str, Field(alias="CHANNEL_NAME_PREFIX", pattern=rf"^{NAME_CHARS}{{1,64}}$")
    ] = "alexa-cam-"
    message_ttl_seconds: Annotated[
        int, Field(alias="MESSAGE_TTL_SECONDS", ge=MESSAGE_TTL_MIN, le=MESSAGE_TTL_MAX)
    ] = MESSAGE_TTL_DEFAULT
    environment: Annotated[str, Field(alias="ENVIRONMENT_NAME", max_length=64)] = "dev"

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> Self:
        env = os.environ if environ is None else environ
        names = {field.alias for field in cls.model_fields.values() if field.alias}
        try:
            return cls.model_validate({k: v for k, v in env.items() if k in names})
        except ValidationError as exc:
            raise ConfigurationError(f"invalid configuration: {one_line(exc)}") from None

    def channel_name(self, device_id: str) -> str:
        return f"{self.channel_name_prefix}{device_id}"


class AlexaAuthorizationSettings(FunctionSettings):
    """What a function needs to obtain and keep a user's Alexa event gateway token."""

    grants_table_name: Annotated[str, Field(alias="GRANTS_TABLE_NAME", min_length=3, max_length=255)]
    # The Secrets Manager secret holding {"clientId": ..., "clientSecret": ...}.
    alexa_client_secret_id: Annotated[
        str, Field(alias="ALEXA_CLIENT_SECRET_ID", min_length=1, max_length=2048)
    ]
    lwa_token_url: Annotated[str, Field(alias="LWA_TOKEN_URL", pattern=r"^https?://\S+$")] = (
        "https://api.amazon.com/auth/o2/token"  # noqa: S105 (a URL, not a secret)
    )
