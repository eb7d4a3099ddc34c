"""Client of the Alexa event gateway (`POST /v3/events`): one event, one call.

202 is success. Errors carry `payload.code`; they map onto exceptions by what the caller does
next: `InvalidAccessToken` (401, refresh and retry), `UserGone` (403, the user disabled or
never enabled the skill, or withdrew the permission), `GatewayBusy` (429, 5xx, a redirect, no
answer: retry later) and `RequestRejected` (any other 4xx: our event is wrong, a defect). A redirect
is never followed (the bearer token goes to the configured host only).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import SecretStr

from functions.common.deadline import Deadline
from functions.common.http import TransportError, post

USER_GONE_CODES = frozenset(
    {"SKILL_DISABLED_EXCEPTION", "SKILL_NEVER_ENABLED_EXCEPTION", "INSUFFICIENT_PERMISSION_EXCEPTION"}
)


class GatewayError(Exception):
    """`code` is the gateway's error code (or the HTTP status); never a token."""

    def __init__(self, code: str, status: int) -> None:
        super().__init__(f"{status} {code}")
        self.code = code
        self.status = status


class InvalidAccessToken(GatewayError):
    pass


class UserGone(GatewayError):
    pass


class GatewayBusy(GatewayError):
    pass


class RequestRejected(GatewayError):
    pass


class EventGateway:
    def __init__(self, url: str, *, timeout: float = 3.0) -> None:
        self.url = url
        self._timeout = timeout

    def send(self, token: SecretStr, event: dict[str, Any], deadline: Deadline) -> None:
        """One call, ending by `deadline` or after the call's own timeout, whichever comes first."""
        headers = {
            "Authorization": f"Bearer {token.get_secret_value()}",
            "Content-Type": "application/json",
        }
        try:
            answer = post(self.url, json.dumps(event).encode(), headers, deadline, limit=self._timeout)
        except TransportError as exc:
            raise GatewayBusy(str(exc), 0) from None
        if answer.status == 202:
            return
        code = _error_code(answer.body) or str(answer.status)
        if answer.status == 429 or answer.status >= 500 or 300 <= answer.status < 400:
            raise GatewayBusy(code, answer.status)
        if answer.status == 401 and code == "INVALID_ACCESS_TOKEN_EXCEPTION":
            raise InvalidAccessToken(code, answer.status)
        if answer.status == 403 and code in USER_GONE_CODES:
            raise UserGone(code, answer.status)
        raise RequestRejected(code, answer.status)


def _error_code(body: bytes) -> str | None:
    try:
        code = json.loads(body)["payload"]["code"]
    except (ValueError, KeyError, TypeError):
        return None
    # Bounded and plain: it goes into logs and metric dimensions.
    return code[:64] if isinstance(code, str) and code.isascii() else None
