"""boto3 clients created once per container, with timeouts and retries set on purpose.

boto3's defaults (60 s connect/read timeouts, legacy retries) are far too long for a path that
must answer Alexa within six seconds, so every client here is built from explicit limits.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config


def client_config(*, connect_timeout: float, read_timeout: float, max_attempts: int) -> Config:
    return Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        tcp_keepalive=True,
    )


@cache
def client(
    service: str,
    *,
    endpoint_url: str | None = None,
    connect_timeout: float = 2.0,
    read_timeout: float = 5.0,
    max_attempts: int = 3,
) -> Any:
    """A cached client per (service, endpoint, limits). `client.cache_clear()` forgets them all."""
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        config=client_config(
            connect_timeout=connect_timeout, read_timeout=read_timeout, max_attempts=max_attempts
        ),
    )


# What AWS services answer when a caller goes over a rate or quota (KVS, DynamoDB, and the
# generic forms): the same call can succeed later.
THROTTLING_CODES = frozenset(
    {
        "ClientLimitExceededException",
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ProvisionedThroughputExceededException",
    }
)


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError, or the exception's class name."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", type(exc).__name__))
    return type(exc).__name__
