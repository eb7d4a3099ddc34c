"""Why a camera gets no configuration, each with the HTTP status the API answers."""

from __future__ import annotations

from http import HTTPStatus


class ConfigRefused(Exception):
    """A refusal the camera can act on. `retry_after` (seconds) is set when asking again helps."""

    status: HTTPStatus = HTTPStatus.INTERNAL_SERVER_ERROR
    code = "INTERNAL_ERROR"

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class NotACamera(ConfigRefused):
    status = HTTPStatus.FORBIDDEN
    code = "FORBIDDEN"


class DeviceNotFound(ConfigRefused):
    status = HTTPStatus.NOT_FOUND
    code = "DEVICE_NOT_FOUND"


class ChannelNotReady(ConfigRefused):
    status = HTTPStatus.CONFLICT
    code = "CHANNEL_NOT_READY"


class TooManyRequests(ConfigRefused):
    status = HTTPStatus.TOO_MANY_REQUESTS
    code = "THROTTLED"


class BadRequest(ConfigRefused):
    status = HTTPStatus.BAD_REQUEST
    code = "BAD_REQUEST"


class CredentialsRefused(ConfigRefused):
    """STS refused the camera credentials: a deployment problem that retrying does not fix."""

    status = HTTPStatus.BAD_GATEWAY
    code = "CREDENTIALS_REFUSED"


class CredentialsUnavailable(ConfigRefused):
    status = HTTPStatus.SERVICE_UNAVAILABLE
    code = "CREDENTIALS_UNAVAILABLE"
