"""Credentials for a camera's own channel: STS AssumeRole of its cell's camera role, with a
session policy that leaves only a camera's three actions on that one channel ARN.

The effective permissions are the intersection of the role's policy (the stage's channel prefix
in the cell) and the session policy, so the credentials can touch no other channel. The session
is named after the deviceId, so CloudTrail in the cell account names the camera.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import NamedTuple

from botocore.exceptions import BotoCoreError, ClientError

from functions.common.aws_clients import THROTTLING_CODES, error_code, sts_client
from functions.common.observability import logger
from functions.device_config.errors import CredentialsRefused, CredentialsUnavailable

CAMERA_ACTIONS = (
    "kinesisvideo:ConnectAsMaster",
    "kinesisvideo:GetSignalingChannelEndpoint",
    "kinesisvideo:GetIceServerConfig",
)
UNAVAILABLE_RETRY_AFTER_SECONDS = 5


def session_policy(channel_arn: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": list(CAMERA_ACTIONS), "Resource": channel_arn}],
        },
        separators=(",", ":"),
    )


class IssuedCredentials(NamedTuple):
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: datetime

    def __repr__(self) -> str:  # secrets: never in a log line or a traceback's repr
        return f"IssuedCredentials(access_key_id=..., expiration={self.expiration.isoformat()})"


@contextmanager
def _sts_refused() -> Iterator[None]:
    """STS failures other than throttling (which the caller maps to 429): the service or the
    network failing is worth a retry (503); a refusal (a role or trust not deployed, a region
    not enabled in the cell account) is the platform's to fix (502). Logged by code only: STS
    messages quote ARNs."""
    try:
        yield
    except ClientError as exc:
        code = error_code(exc)
        if code in THROTTLING_CODES:
            raise
        logger.warning("camera credentials not issued", extra={"error": code})
        if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500) >= 500:
            raise CredentialsUnavailable(
                "credentials are unavailable; retry later", UNAVAILABLE_RETRY_AFTER_SECONDS
            ) from None
        raise CredentialsRefused("credentials could not be issued") from None
    except BotoCoreError as exc:
        logger.warning("camera credentials not issued", extra={"error": type(exc).__name__})
        raise CredentialsUnavailable(
            "credentials are unavailable; retry later", UNAVAILABLE_RETRY_AFTER_SECONDS
        ) from None


class CameraCredentialsIssuer:
    def __init__(self, duration_seconds: int) -> None:
        self._duration = duration_seconds

    def issue(self, role_arn: str, channel_arn: str, device_id: str) -> IssuedCredentials:
        """Credentials of `role_arn` usable only on `channel_arn`, in a session named `device_id`."""
        with _sts_refused():
            issued = sts_client().assume_role(
                RoleArn=role_arn,
                RoleSessionName=device_id,
                Policy=session_policy(channel_arn),
                DurationSeconds=self._duration,
            )["Credentials"]
        return IssuedCredentials(
            access_key_id=issued["AccessKeyId"],
            secret_access_key=issued["SecretAccessKey"],
            session_token=issued["SessionToken"],
            expiration=issued["Expiration"].astimezone(UTC),
        )
