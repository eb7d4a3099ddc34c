"""Login with Amazon (LWA) token client: exchange a grant code, refresh an access token.

The skill's "Alexa Skill Messaging" client id and secret authenticate every call; they come from
a callable so the caller decides how they are cached. Tokens are `SecretStr`, so a stray log
line or repr shows asterisks. LWA's answers map onto exceptions the callers decide on:
`InvalidGrant` (400 invalid_grant: the code is used or expired, or the refresh token was
revoked, so the user must link again), `InvalidClient` (401: our credentials are wrong, a
defect), and `LwaUnavailable` (429, 5xx, a redirect, timeouts: try again later). A redirect is never
followed: the client secret and the tokens go to the configured host only. Every call ends by the
caller's deadline (or its own timeout, if sooner).
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from functions.common.deadline import Deadline
from functions.common.http import TransportError, post


class ClientCredentials(BaseModel):
    """The value of the ALEXA_CLIENT_SECRET_ID secret: `{"clientId": ..., "clientSecret": ...}`."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, hide_input_in_errors=True)

    client_id: Annotated[str, Field(alias="clientId", min_length=1)]
    client_secret: Annotated[SecretStr, Field(alias="clientSecret", min_length=1)]


class Tokens(BaseModel):
    """LWA's token answer. A refresh may or may not carry a new refresh token."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    access_token: Annotated[SecretStr, Field(min_length=1)]
    refresh_token: SecretStr | None = None
    expires_in: Annotated[int, Field(gt=0)]


class LwaError(Exception):
    """An LWA call failed; `code` is LWA's error code or the HTTP status, never a token."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class InvalidGrant(LwaError):
    pass


class InvalidClient(LwaError):
    pass


class LwaUnavailable(LwaError):
    pass


class LoginWithAmazon:
    def __init__(
        self, token_url: str, credentials: Callable[[], ClientCredentials], *, timeout: float = 3.0
    ) -> None:
        self._url = token_url
        self._credentials = credentials
        self._timeout = timeout

    def exchange_code(self, code: str, deadline: Deadline) -> Tokens:
        """Tokens for a grant code (single use: call once, inside the AcceptGrant invocation)."""
        tokens = self._request({"grant_type": "authorization_code", "code": code}, deadline)
        if tokens.refresh_token is None:
            raise LwaUnavailable("no_refresh_token")
        return tokens

    def refresh(self, refresh_token: SecretStr, deadline: Deadline) -> Tokens:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token.get_secret_value()}
        return self._request(form, deadline)

    def _request(self, form: dict[str, str], deadline: Deadline) -> Tokens:
        credentials = self._credentials()
        body = urllib.parse.urlencode(
            {
                **form,
                "client_id": credentials.client_id,
                "client_secret": credentials.client_secret.get_secret_value(),
            }
        ).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"}
        try:
            answer = post(self._url, body, headers, deadline, limit=self._timeout)
        except TransportError as exc:
            raise LwaUnavailable(str(exc)) from None
        if answer.status == 200:
            try:
                return Tokens.model_validate_json(answer.body)
            except ValidationError:
                raise LwaUnavailable("malformed_token_response") from None
        code = _error_code(answer.body) or str(answer.status)
        if answer.status == 429 or answer.status >= 500 or 300 <= answer.status < 400:
            raise LwaUnavailable(code)
        if answer.status == 401 or code in {"invalid_client", "unauthorized_client"}:
            raise InvalidClient(code)
        if code == "invalid_grant":
            raise InvalidGrant(code)
        # invalid_request, unsupported_grant_type, ...: our request is wrong, like a bad client.
        raise InvalidClient(code)


def _error_code(body: bytes) -> str | None:
    try:
        error = json.loads(body).get("error")
    except (ValueError, AttributeError):
        return None
    # Bounded and plain: it goes into logs and metrics.
    return error[:64] if isinstance(error, str) and error.isascii() else None
