"""Neutral KVS errors: what went wrong, in terms a function can act on, mapped from botocore once.

Each function maps these to its own outward errors (an Alexa ErrorResponse type, an HTTP status, a
batch item failure, a rotation outcome). `aws_code` keeps the AWS error code (or exception class name)
for logs (`aws_clients.error_code` answers it); messages never quote the request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from functions.common.aws_clients import THROTTLING_CODES, error_code

T = TypeVar("T")


class KvsFailure(Exception):
    """A KVS call failed; subclasses say how."""

    def __init__(self, aws_code: str) -> None:
        super().__init__(aws_code)
        self.aws_code = aws_code


class ChannelNotFound(KvsFailure):
    """The channel does not exist (ResourceNotFoundException)."""


class MasterAbsent(KvsFailure):
    """The data plane found no master to take an offer before its TTL (its ResourceNotFound: the
    channel itself exists)."""


class ChannelBusy(KvsFailure):
    """The channel is CREATING, UPDATING or DELETING, or its name is taken (ResourceInUseException)."""


class VersionMismatch(KvsFailure):
    """The channel changed since its version was read."""


class TooManyTags(KvsFailure):
    """A write would leave the channel with more than 50 tags."""


class InvalidArgument(KvsFailure):
    """KVS refused the request's arguments (a NextToken it no longer accepts included)."""


class AccessDenied(KvsFailure):
    """The caller may not make this call."""


class SessionExpired(KvsFailure):
    """The data-plane session expired."""


class UnknownOperation(KvsFailure):
    """The endpoint does not serve the operation: the wrong (or a stale) channel endpoint."""


class Throttled(KvsFailure):
    """A rate or quota was exceeded: the same call can succeed later."""


class Transient(KvsFailure):
    """A service fault or a failure below HTTP: the same call can succeed a moment later."""


class Unreachable(Transient):
    """The endpoint could not be connected to, or dropped the connection."""


class TimedOut(Transient):
    """Connecting or waiting for the answer took longer than the client's timeouts."""


_BY_CODE: dict[str, type[KvsFailure]] = {
    "ResourceNotFoundException": ChannelNotFound,
    "ResourceInUseException": ChannelBusy,
    "VersionMismatchException": VersionMismatch,
    "TagsPerResourceExceededLimitException": TooManyTags,
    "InvalidArgumentException": InvalidArgument,
    "ExpiredNextTokenException": InvalidArgument,
    "AccessDeniedException": AccessDenied,
    "NotAuthorizedException": AccessDenied,
    "SessionExpiredException": SessionExpired,
    "UnknownOperationException": UnknownOperation,
    "ReadTimeoutError": TimedOut,
    "ConnectTimeoutError": TimedOut,
    "EndpointConnectionError": Unreachable,
    "ConnectionClosedError": Unreachable,
    "LimitExceededException": Transient,
    "ServiceUnavailable": Transient,
    "ServiceUnavailableException": Transient,
    "InternalFailure": Transient,
    "InternalServerError": Transient,
} | dict.fromkeys(THROTTLING_CODES, Throttled)


def translate(exc: BaseException) -> KvsFailure:
    """The neutral error for an exception raised by a KVS call (itself, if already neutral)."""
    if isinstance(exc, KvsFailure):
        return exc
    code = error_code(exc)
    kind = _BY_CODE.get(code)
    if kind is not None:
        return kind(code)
    if isinstance(exc, BotocoreConnectionError | HTTPClientError):
        return Transient(code)
    if isinstance(exc, ClientError):
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
        return Transient(code) if status >= 500 else KvsFailure(code)
    return KvsFailure(code)


def neutral(call: Callable[[], T]) -> T:
    """`call()` (a botocore call), with its botocore errors raised as neutral ones."""
    try:
        return call()
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc) from exc
