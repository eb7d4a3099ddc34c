"""AWS error codes of the KVS control and data planes, with the HTTP status AWS answers them with."""

from __future__ import annotations

import json

# Statuses from botocore's kinesisvideo and kinesis-video-signaling service models.
ERROR_STATUS: dict[str, int] = {
    "InvalidArgumentException": 400,
    "ResourceInUseException": 400,
    "ResourceNotFoundException": 404,
    "VersionMismatchException": 400,
    "TagsPerResourceExceededLimitException": 400,
    "AccountChannelLimitExceededException": 400,
    "ClientLimitExceededException": 400,
    "AccessDeniedException": 401,
    "NotAuthorizedException": 401,
    "InvalidClientException": 400,
    "SessionExpiredException": 400,
    # Not in the models: what AWS answers for a path the host does not serve.
    "UnknownOperationException": 404,
}


class KvsError(Exception):
    """An AWS-shaped error: botocore's rest-json parser turns it into ClientError with this code."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status if status is not None else ERROR_STATUS.get(code, 400)

    def to_response(self) -> tuple[int, dict[str, str], str]:
        # botocore reads the code from x-amzn-ErrorType first and falls back to the body's __type.
        headers = {"Content-Type": "application/json", "x-amzn-ErrorType": self.code}
        return self.status, headers, json.dumps({"__type": self.code, "message": self.message})


def invalid_argument(message: str) -> KvsError:
    return KvsError("InvalidArgumentException", message)


def not_found(message: str = "The requested channel is not found or not active.") -> KvsError:
    return KvsError("ResourceNotFoundException", message)
