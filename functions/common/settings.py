"""Configuration from environment variables, validated once at cold start.

Each function declares the settings it needs as a subclass of `FunctionSettings`; `load()` reads
`os.environ` and raises `ConfigurationError` naming the variable that is missing or bad, so a
misconfigured deploy fails at start, not on the first camera.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from typing import Annotated, Self
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from functions.common.validation_errors import one_line

# KVS ChannelName characters. The prefix is at most 64 of them, so that prefix and deviceId
# (functions.common.device_id) always fit a channel name's 256.
NAME_CHARS = r"[a-zA-Z0-9_.-]"
# The TTL is how long KVS keeps an offer for a master that is not connected. Alexa waits 6 s for
# the answer (the skill 4.5 s), so an offer kept longer can only reach a camera that connects after
# Alexa gave up: the default is KVS's minimum (docs/functions.md, "Message TTL").
MESSAGE_TTL_MIN, MESSAGE_TTL_MAX = 5, 120
MESSAGE_TTL_DEFAULT = MESSAGE_TTL_MIN


# Cloud metadata and credential endpoints that are not link-local (those all are, and are refused).
_METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in ("fd00:ec2::254", "fd00:ec2::23"))
_METADATA_NAMES = frozenset({"instance-data", "instance-data.ec2.internal", "metadata.google.internal"})
# A host of numbers only that is not a dotted IPv4 or an IPv6 literal (`2852039166`, `0xa9.0xfe...`):
# resolvers read it as an address, so it could name any of the above.
_NUMERIC_HOST = re.compile(r"(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+))*\.?")


def _outbound_url(value: str) -> str:
    """A URL tokens and the client secret may be sent to: https (plain http to a loopback host only:
    the tests and the local cloud), no user information, never a link-local or metadata address."""
    if any(c.isspace() or not c.isprintable() for c in value):
        raise ValueError("must not contain spaces or control characters")
    parts = urlsplit(value)
    host = parts.hostname
    if parts.scheme not in ("https", "http") or not host:
        raise ValueError("must be an https URL with a host")
    if "@" in parts.netloc:
        raise ValueError("must not carry user information")
    parts.port  # noqa: B018 (raises ValueError for a port out of range)
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address is None and (_NUMERIC_HOST.fullmatch(host) or host.rstrip(".") in _METADATA_NAMES):
        raise ValueError("must not name a metadata address")
    if address is not None and (address.is_link_local or address in _METADATA_ADDRESSES):
        raise ValueError("must not be a link-local or metadata address")
    loopback = host == "localhost" or (address is not None and address.is_loopback)
    if parts.scheme != "https" and not loopback:
        raise ValueError("must be https (plain http only to a loopback host)")
    return value


OutboundUrl = Annotated[str, AfterValidator(_outbound_url)]


class ConfigurationError(RuntimeError):
    """A required environment variable is missing or invalid."""


class FunctionSettings(BaseModel):
    """Settings every function shares. Field aliases are the environment variable names."""

    # No value in an error: a setting can be a secret's name or a URL with credentials in it.
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore", hide_input_in_errors=True)

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
    lwa_token_url: Annotated[OutboundUrl, Field(alias="LWA_TOKEN_URL")] = (
        "https://api.amazon.com/auth/o2/token"  # noqa: S105 (a URL, not a secret)
    )
