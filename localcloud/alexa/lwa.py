"""An emulated Login with Amazon token endpoint (`POST /auth/o2/token`), strict like the real one.

- The client id and secret must be the skill's (form fields or HTTP Basic): otherwise 401
  `invalid_client`.
- `authorization_code`: a code issued by `issue_code` (what Alexa obtains when a user links the
  skill), used once and within its lifetime; otherwise 400 `invalid_grant`.
- `refresh_token`: a refresh token this endpoint issued and that is not revoked; otherwise 400
  `invalid_grant`. New refresh tokens are issued only when `rotate_refresh_tokens` is set.
- Access tokens last `token_ttl_s`; the event gateway asks `user_of` who a token belongs to.
Fault switches: `faults.fail(status)` and `faults.latency_s`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from functions.common.alexa.lwa import ClientCredentials
from localcloud.alexa.faults import Faults

PATH = "/auth/o2/token"
FAULT_ERRORS = {401: "invalid_client", 403: "unauthorized_client", 429: "slow_down", 500: "server_error"}


@dataclass
class _Code:
    user: str
    expires_at: float


@dataclass
class _Access:
    user: str
    expires_at: float


class LwaEmulator:
    def __init__(
        self,
        credentials: ClientCredentials,
        *,
        code_ttl_s: float = 300.0,
        token_ttl_s: int = 3600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._credentials = credentials
        self.code_ttl_s = code_ttl_s
        self.token_ttl_s = token_ttl_s
        self.rotate_refresh_tokens = False
        self._clock = clock
        self._lock = threading.Lock()
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, _Access] = {}
        self._refresh: dict[str, str] = {}
        self.faults = Faults()
        self.calls: Counter[str] = Counter()

    def routes(self) -> list[web.RouteDef]:
        return [web.post(PATH, self._token)]

    # --- what Alexa and the gateway do ---------------------------------------------------

    def issue_code(self, user: str) -> str:
        """A grant code for `user`, as Alexa receives it when the user links the skill."""
        code = "ANU" + secrets.token_urlsafe(15)
        with self._lock:
            self._codes[code] = _Code(user, self._clock() + self.code_ttl_s)
        return code

    def user_of(self, access_token: str) -> str | None:
        """The user of a live access token; None for an unknown or expired one."""
        with self._lock:
            access = self._access.get(access_token)
        if access is None or access.expires_at <= self._clock():
            return None
        return access.user

    def expire_access_tokens(self, user: str) -> int:
        """Expire every access token of `user` now (the skill's stored expiry does not know)."""
        with self._lock:
            mine = [a for a in self._access.values() if a.user == user]
            for access in mine:
                access.expires_at = 0.0
        return len(mine)

    def revoke(self, user: str) -> None:
        """The user unlinked: their refresh and access tokens stop working."""
        with self._lock:
            self._refresh = {t: u for t, u in self._refresh.items() if u != user}
            self._access = {t: a for t, a in self._access.items() if a.user != user}

    # --- the endpoint ------------------------------------------------------------------------

    async def _token(self, request: web.Request) -> web.Response:
        if self.faults.latency_s:
            await asyncio.sleep(self.faults.latency_s)
        fault = self.faults.take()
        if fault is not None:
            return _error(fault.status, fault.code or FAULT_ERRORS.get(fault.status, "server_error"))
        form = await request.post()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        client_id, client_secret = _client(request, fields)
        if not (
            hmac.compare_digest(client_id, self._credentials.client_id)
            and hmac.compare_digest(client_secret, self._credentials.client_secret.get_secret_value())
        ):
            return _error(401, "invalid_client")
        grant_type = fields.get("grant_type", "")
        self.calls[grant_type] += 1
        if grant_type == "authorization_code":
            return self._exchange(fields.get("code", ""))
        if grant_type == "refresh_token":
            return self._refreshed(fields.get("refresh_token", ""))
        return _error(400, "unsupported_grant_type")

    def _exchange(self, code: str) -> web.Response:
        with self._lock:
            grant = self._codes.pop(code, None)  # single use, even when expired
        if grant is None or grant.expires_at <= self._clock():
            return _error(400, "invalid_grant")
        refresh = "Atzr|" + secrets.token_urlsafe(32)
        with self._lock:
            self._refresh[refresh] = grant.user
        return self._tokens(grant.user, refresh)

    def _refreshed(self, refresh: str) -> web.Response:
        with self._lock:
            user = self._refresh.get(refresh)
            if user is not None and self.rotate_refresh_tokens:
                del self._refresh[refresh]
                refresh = "Atzr|" + secrets.token_urlsafe(32)
                self._refresh[refresh] = user
        if user is None:
            return _error(400, "invalid_grant")
        return self._tokens(user, refresh if self.rotate_refresh_tokens else None)

    def _tokens(self, user: str, refresh: str | None) -> web.Response:
        access = "Atza|" + secrets.token_urlsafe(32)
        with self._lock:
            self._access[access] = _Access(user, self._clock() + self.token_ttl_s)
        body: dict[str, object] = {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": self.token_ttl_s,
        }
        if refresh is not None:
            body["refresh_token"] = refresh
        return web.json_response(body)


def _client(request: web.Request, fields: dict[str, str]) -> tuple[str, str]:
    """Client id and secret from the form, or from HTTP Basic authentication."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            client_id, _, client_secret = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        return client_id, client_secret
    return fields.get("client_id", ""), fields.get("client_secret", "")


def _error(status: int, code: str) -> web.Response:
    return web.json_response({"error": code, "error_description": code.replace("_", " ")}, status=status)
