"""Failures of a directive, as the Alexa ErrorResponse type each one becomes."""

from __future__ import annotations

from enum import StrEnum

from functions.common.aws_clients import THROTTLING_CODES, error_code
from functions.common.kvs import errors as kvs_errors


class ErrorType(StrEnum):
    INVALID_DIRECTIVE = "INVALID_DIRECTIVE"
    INVALID_VALUE = "INVALID_VALUE"
    INVALID_AUTHORIZATION_CREDENTIAL = "INVALID_AUTHORIZATION_CREDENTIAL"
    EXPIRED_AUTHORIZATION_CREDENTIAL = "EXPIRED_AUTHORIZATION_CREDENTIAL"
    NO_SUCH_ENDPOINT = "NO_SUCH_ENDPOINT"
    ENDPOINT_UNREACHABLE = "ENDPOINT_UNREACHABLE"
    RATE_LIMIT_EXCEEDED = "RATE_LIMIT_EXCEEDED"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    ACCEPT_GRANT_FAILED = "ACCEPT_GRANT_FAILED"


# Messages are shown to Alexa: they never name another user's camera or carry AWS details.
MESSAGES: dict[ErrorType, str] = {
    ErrorType.INVALID_DIRECTIVE: "The directive is not supported or is malformed.",
    ErrorType.INVALID_VALUE: "A value in the directive is not valid for this endpoint.",
    ErrorType.INVALID_AUTHORIZATION_CREDENTIAL: "The access token is not valid.",
    ErrorType.EXPIRED_AUTHORIZATION_CREDENTIAL: "The access token has expired.",
    ErrorType.NO_SUCH_ENDPOINT: "The endpoint does not exist.",
    ErrorType.ENDPOINT_UNREACHABLE: "The camera did not answer in time.",
    ErrorType.RATE_LIMIT_EXCEEDED: "Too many requests to the camera; try again shortly.",
    ErrorType.INTERNAL_ERROR: "An internal error occurred.",
    ErrorType.ACCEPT_GRANT_FAILED: "The grant could not be accepted.",
}


class SkillError(Exception):
    """A failure the skill answers with an ErrorResponse."""

    def __init__(self, error_type: ErrorType, message: str | None = None) -> None:
        self.type = error_type
        self.message = message or MESSAGES[error_type]
        super().__init__(self.message)


# What Alexa is told for each KVS failure (the neutral errors of functions.common.kvs).
_KVS_ERRORS: dict[type[kvs_errors.KvsFailure], ErrorType] = {
    kvs_errors.ChannelNotFound: ErrorType.NO_SUCH_ENDPOINT,
    kvs_errors.MasterAbsent: ErrorType.ENDPOINT_UNREACHABLE,
    # The channel exists but is not ACTIVE (being created, updated or deleted).
    kvs_errors.ChannelBusy: ErrorType.ENDPOINT_UNREACHABLE,
    kvs_errors.SessionExpired: ErrorType.ENDPOINT_UNREACHABLE,
    kvs_errors.TimedOut: ErrorType.ENDPOINT_UNREACHABLE,
    kvs_errors.Unreachable: ErrorType.ENDPOINT_UNREACHABLE,
    kvs_errors.Throttled: ErrorType.RATE_LIMIT_EXCEEDED,
}


def from_kvs(failure: kvs_errors.KvsFailure) -> SkillError:
    """The SkillError for a KVS failure (anything else on a directive's path is first classified
    by its code the same way, with `kvs_errors.translate`)."""
    return SkillError(_KVS_ERRORS.get(type(failure), ErrorType.INTERNAL_ERROR))


def from_registry(exc: BaseException) -> SkillError:
    """The SkillError for an exception raised by a registry (DynamoDB) call: any failure other
    than throttling is ours, so Alexa hears INTERNAL_ERROR."""
    if error_code(exc) in THROTTLING_CODES:
        return SkillError(ErrorType.RATE_LIMIT_EXCEEDED)
    return SkillError(ErrorType.INTERNAL_ERROR)
