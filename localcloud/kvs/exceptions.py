"""Errors of the KVS signaling API, as moto's service exceptions.

moto serializes a ServiceException with the service model of the operation, so the HTTP status
comes from botocore's kinesisvideo and kinesis-video-signaling models (404 for
ResourceNotFoundException, 401 for AccessDeniedException, 400 for the rest).
"""

from __future__ import annotations

from moto.core.exceptions import JsonRESTError, ServiceException


class KvsError(ServiceException):
    """Base of the signaling errors; ``code`` is the AWS error code, ``message`` its text."""


class InvalidArgumentException(KvsError):
    code = "InvalidArgumentException"


class ResourceNotFoundException(KvsError):
    code = "ResourceNotFoundException"
    message = "The requested channel is not found or not active."


class ResourceInUseException(KvsError):
    code = "ResourceInUseException"


class VersionMismatchException(KvsError):
    code = "VersionMismatchException"


class TagsPerResourceExceededLimitException(KvsError):
    code = "TagsPerResourceExceededLimitException"


class AccountChannelLimitExceededException(KvsError):
    code = "AccountChannelLimitExceededException"


class ClientLimitExceededException(KvsError):
    code = "ClientLimitExceededException"


class UnknownOperationException(JsonRESTError):
    """What AWS answers for a path the host does not serve; in neither model, hence its own status."""

    code = 404

    def __init__(self, message: str = "") -> None:
        super().__init__("UnknownOperationException", message)


class InvalidNextToken(InvalidArgumentException):
    """moto's paginator raises this for a token it cannot decode (AWS: InvalidArgumentException)."""

    def __init__(self, token: str | None = None) -> None:
        super().__init__("NextToken is not valid.")
