"""Bearer token verification: a JWT checked locally against the issuer's JWKS.

The key set is fetched in INIT and kept (PyJWKClient's cache for http(s); the file is read once
for `file://`), so a SnapStart snapshot holds it and no directive waits for it. An unknown key id
triggers one refetch (at most one per cooldown), which picks up a rotated key; after its lifetime
the set is fetched again. A restored snapshot's set is of unknown age (a snapshot may be restored
days after INIT), so the after-restore hook refreshes it in the background while the kept set
serves the first directives.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

import jwt

from functions.common import snapstart

# Keys live for hours; an unknown `kid` forces a refresh anyway.
JWKS_LIFESPAN_SECONDS = 3600
# At most one refetch for unknown key ids per this many seconds: random kids cannot make each
# directive a fetch (PyJWKClient's default).
REFRESH_COOLDOWN_SECONDS = 30.0
# A fetch in INIT (Lambda gives INIT 10 s): beyond this the first directive fetches instead.
INIT_FETCH_SECONDS = 2.0
ALGORITHMS = ["RS256"]
# Alexa sends the same access token with every directive until it expires: one verified is
# answered from memory until its `exp` (its signature, issuer and audience cannot change), which
# takes the RS256 check and two JWT parses off every warm directive. Bounded: oldest out first.
VERIFIED_TOKENS_MAX = 256

log = logging.getLogger(__name__)


class InvalidToken(Exception):
    """The token is malformed, badly signed, or for another issuer or audience."""


class ExpiredToken(InvalidToken):
    """The token was valid but its `exp` has passed."""


class KeySource(Protocol):
    def get_signing_key_from_jwt(self, token: str, fetch_timeout: float) -> jwt.PyJWK:
        """The key that signed `token`; a fetch of the key set, if one is due, gets `fetch_timeout`."""
        ...

    def prefetch(self, timeout: float) -> None:
        """Fetch the key set now (INIT), so that no directive waits for it."""
        ...

    def refresh_in_background(self) -> None:
        """Fetch the key set again off the caller's thread; the kept set serves meanwhile."""
        ...


class FileKeySource:
    """A JWKS read from a local file (local runs), reread once when a key id is unknown."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._keys: dict[str, jwt.PyJWK] = {}
        self._lock = threading.Lock()

    def _load(self) -> None:
        jwks = jwt.PyJWKSet.from_dict(json.loads(self._path.read_text()))
        self._keys = {key.key_id: key for key in jwks.keys if key.key_id}

    def prefetch(self, timeout: float) -> None:
        with self._lock:
            self._load()

    def refresh_in_background(self) -> None:
        pass  # a local file: read again on an unknown kid, nothing to gain from a refresh

    def get_signing_key_from_jwt(self, token: str, fetch_timeout: float) -> jwt.PyJWK:
        kid = jwt.get_unverified_header(token).get("kid")
        with self._lock:
            if kid not in self._keys:
                self._load()
            key = self._keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise jwt.PyJWKClientError(f"no signing key with kid {kid!r}")
        return key


class HttpKeySource:
    """The identity provider's JWKS over http(s), cached by PyJWKClient. A fetch may take the time
    its caller has left (the directive's deadline), not a fixed timeout: a slow provider on a cold
    container costs time, not the directive."""

    def __init__(self, url: str, refresh_cooldown_s: float = REFRESH_COOLDOWN_SECONDS) -> None:
        self._client = jwt.PyJWKClient(
            url, lifespan=JWKS_LIFESPAN_SECONDS, cooldown_duration=refresh_cooldown_s
        )
        # PyJWKClient reads its timeout when it fetches: one caller at a time sets it and looks up.
        self._lock = threading.Lock()

    def prefetch(self, timeout: float) -> None:
        with self._lock:
            self._client.timeout = timeout
            self._client.get_jwk_set()

    def refresh_in_background(self) -> None:
        threading.Thread(target=self._refresh, name="jwks-refresh", daemon=True).start()

    def _refresh(self) -> None:
        # Not under the lookup lock: a directive keeps verifying with the kept set meanwhile, and
        # the fresh set replaces it in the cache at once.
        try:
            self._client.fetch_data()
        except jwt.PyJWKClientError as exc:
            log.warning("key set refresh failed", extra={"error": type(exc).__name__})

    def get_signing_key_from_jwt(self, token: str, fetch_timeout: float) -> jwt.PyJWK:
        with self._lock:
            self._client.timeout = fetch_timeout
            return self._client.get_signing_key_from_jwt(token)


def key_source(jwks_url: str) -> KeySource:
    parsed = urlparse(jwks_url)
    if parsed.scheme == "file":
        return FileKeySource(Path(unquote(parsed.path)))
    return HttpKeySource(jwks_url)


class TokenVerifier:
    def __init__(
        self, keys: KeySource, issuer: str, audience: str, clock: Callable[[], float] = time.time
    ) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._clock = clock
        self._verified: dict[str, tuple[str, float]] = {}  # token -> (sub, exp)
        self._verified_lock = threading.Lock()

    def prefetch_keys(self, timeout: float = INIT_FETCH_SECONDS) -> None:
        """The key set fetched now (INIT); if the provider fails, the first directive fetches it."""
        try:
            self._keys.prefetch(timeout)
        except (jwt.PyJWKClientError, OSError) as exc:
            log.warning("key set not fetched in INIT", extra={"error": type(exc).__name__})

    def refresh_keys_in_background(self) -> None:
        self._keys.refresh_in_background()

    def keep_keys_warm(self) -> None:
        """For INIT: the key set fetched now, so a SnapStart snapshot holds it, and fetched again in
        the background after each restore (a snapshot may be restored days after INIT)."""
        self.prefetch_keys()
        snapstart.after_restore(self.refresh_keys_in_background)

    def owner(self, token: str, fetch_timeout: float) -> str:
        """The token's `sub` if the token is valid; raises InvalidToken or ExpiredToken.
        `fetch_timeout` bounds a fetch of the key set, when one is due. A token verified before is
        trusted until its `exp` without a new check: withdrawing its key meanwhile does not stop it
        (the key set itself is kept up to JWKS_LIFESPAN_SECONDS anyway)."""
        known = self._verified.get(token)
        if known is not None:
            sub, exp = known
            if self._clock() < exp:
                return sub
            self._verified.pop(token, None)
            raise ExpiredToken("token expired")
        sub, exp = self._verify(token, fetch_timeout)
        with self._verified_lock:  # directives verify on several workers at once
            if len(self._verified) >= VERIFIED_TOKENS_MAX:
                self._verified.pop(next(iter(self._verified)))
            self._verified[token] = (sub, exp)
        return sub

    def _verify(self, token: str, fetch_timeout: float) -> tuple[str, float]:
        try:
            key = self._keys.get_signing_key_from_jwt(token, fetch_timeout)
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=ALGORITHMS,
                issuer=self._issuer,
                # The audience is checked below: Cognito access tokens carry it as `client_id`.
                options={"require": ["exp", "iss", "sub"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError as exc:
            raise ExpiredToken("token expired") from exc
        except jwt.PyJWKClientConnectionError:
            raise  # the issuer's key set is unreachable: our fault, not the caller's
        except (jwt.PyJWTError, ValueError) as exc:
            raise InvalidToken(type(exc).__name__) from exc
        if not self._audience_matches(claims):
            raise InvalidToken("audience mismatch")
        sub = claims["sub"]
        if not isinstance(sub, str) or not sub:
            raise InvalidToken("no subject")
        return sub, float(claims["exp"])

    def _audience_matches(self, claims: dict[str, Any]) -> bool:
        aud = claims.get("aud")
        audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        return self._audience in audiences or claims.get("client_id") == self._audience
