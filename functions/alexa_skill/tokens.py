"""Bearer token verification: a JWT (RS256) checked locally against the issuer's JWKS.

The token is parsed strictly and its signature checked by `cryptography` (functions.alexa_skill.jws);
the key set comes over the project's own outbound HTTP (functions.common.http: one pool, the
caller's time left as its bound, no redirect), or from a `file://` path for local runs.

The key set is fetched in INIT and kept, so a SnapStart snapshot holds it and no directive waits
for it. An unknown key id triggers one refetch (at most one per cooldown), which picks up a rotated
key; after its lifetime the set is fetched again. A restored snapshot's set is of unknown age (a
snapshot may be restored days after INIT), so the after-restore hook refreshes it in the background
while the kept set serves the first directives. A key set that cannot be fetched, or holds no usable
key, is our fault, not the caller's: KeySetUnavailable, never InvalidToken.
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

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from functions.alexa_skill import jws
from functions.common import http, snapstart
from functions.common.deadline import Deadline, DeadlineExceeded

# Keys live for hours; an unknown `kid` forces a refresh anyway.
JWKS_LIFESPAN_SECONDS = 3600
# At most one refetch for unknown key ids per this many seconds, counted from the last fetch:
# random kids cannot make each directive a fetch.
REFRESH_COOLDOWN_SECONDS = 30.0
# A fetch in INIT (Lambda gives INIT 10 s): beyond this the first directive fetches instead.
INIT_FETCH_SECONDS = 2.0
# The after-restore refresh, off every directive's path.
BACKGROUND_FETCH_SECONDS = 5.0
# Clock skew allowed on `exp`, `nbf` and `iat`: none, as PyJWT's default was.
LEEWAY_SECONDS = 0
REQUIRED_CLAIMS = ("exp", "iss", "sub")
# Alexa sends the same access token with every directive until it expires: one verified is
# answered from memory until its `exp` (its signature, issuer and audience cannot change), which
# takes the RS256 check and the token's parsing off every warm directive. Bounded: oldest out first.
VERIFIED_TOKENS_MAX = 256

log = logging.getLogger(__name__)


class InvalidToken(Exception):
    """The token is malformed, badly signed, or for another issuer or audience."""


class ExpiredToken(InvalidToken):
    """The token was valid but its `exp` has passed."""


class KeySetUnavailable(Exception):
    """The issuer's key set could not be read, or holds no usable key: our fault, not the caller's
    (the skill answers INTERNAL_ERROR). The text names the failure, never the URL or a key."""


class KeySource(Protocol):
    def signing_key(self, kid: str, fetch_timeout: float) -> RSAPublicKey | None:
        """The key with id `kid`, None if the set has none; a fetch of the key set, if one is due,
        gets `fetch_timeout`. Raises KeySetUnavailable."""
        ...

    def prefetch(self, timeout: float) -> None:
        """Fetch the key set now (INIT), so that no directive waits for it."""
        ...

    def refresh_in_background(self) -> None:
        """Fetch the key set again off the caller's thread; the kept set serves meanwhile."""
        ...


def key_set(document: str | bytes) -> dict[str, RSAPublicKey]:
    """The usable keys of a JWKS document by `kid`; KeySetUnavailable if it has none."""
    try:
        parsed = json.loads(document)
        keys = jws.public_keys(parsed)
    except (ValueError, RecursionError, jws.Refused):
        raise KeySetUnavailable("not a JWK set") from None
    if not keys:
        raise KeySetUnavailable("no usable key in the JWK set")
    skipped = len(parsed["keys"]) - len(keys)
    if skipped:
        log.info("key set entries skipped", extra={"skipped": skipped, "usable": len(keys)})
    return keys


class FileKeySource:
    """A JWKS read from a local file (local runs), reread once when a key id is unknown."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._keys: dict[str, RSAPublicKey] = {}
        self._lock = threading.Lock()

    def _load(self) -> None:
        try:
            document = self._path.read_bytes()
        except OSError as exc:
            raise KeySetUnavailable(type(exc).__name__) from None
        self._keys = key_set(document)

    def prefetch(self, timeout: float) -> None:
        with self._lock:
            self._load()

    def refresh_in_background(self) -> None:
        pass  # a local file: read again on an unknown kid, nothing to gain from a refresh

    def signing_key(self, kid: str, fetch_timeout: float) -> RSAPublicKey | None:
        with self._lock:
            if kid not in self._keys:
                self._load()
            return self._keys.get(kid)


class HttpKeySource:
    """The identity provider's JWKS over http(s), kept for JWKS_LIFESPAN_SECONDS. A fetch may take
    the time its caller has left (the directive's deadline), not a fixed timeout: a slow provider on
    a cold container costs time, not the directive."""

    def __init__(
        self,
        url: str,
        refresh_cooldown_s: float = REFRESH_COOLDOWN_SECONDS,
        lifespan_s: float = JWKS_LIFESPAN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if urlparse(url).scheme not in ("http", "https"):
            raise ValueError("the JWKS URL must be http(s)")
        self._url = url
        self._cooldown_s = refresh_cooldown_s
        self._lifespan_s = lifespan_s
        self._clock = clock
        self._keys: dict[str, RSAPublicKey] | None = None
        self._fetched_at = 0.0  # `clock` at the last fetch that succeeded
        # One lookup at a time: a directive that finds the set due fetches it, the others wait.
        self._lock = threading.Lock()

    def prefetch(self, timeout: float) -> None:
        with self._lock:
            self._keep(self._fetch(timeout))

    def refresh_in_background(self) -> None:
        threading.Thread(target=self._refresh, name="jwks-refresh", daemon=True).start()

    def _refresh(self) -> None:
        # Not under the lookup lock: a directive keeps verifying with the kept set meanwhile, and
        # the fresh set replaces it at once.
        try:
            keys = self._fetch(BACKGROUND_FETCH_SECONDS)
        except KeySetUnavailable as exc:
            log.warning("key set refresh failed", extra={"error": str(exc)})
            return
        with self._lock:
            self._keep(keys)

    def signing_key(self, kid: str, fetch_timeout: float) -> RSAPublicKey | None:
        with self._lock:
            keys = self._keys
            if keys is None or self._clock() - self._fetched_at > self._lifespan_s:
                keys = self._keep(self._fetch(fetch_timeout))
            key = keys.get(kid)
            if key is None and self._clock() - self._fetched_at >= self._cooldown_s:
                key = self._keep(self._fetch(fetch_timeout)).get(kid)
            return key

    def _keep(self, keys: dict[str, RSAPublicKey]) -> dict[str, RSAPublicKey]:
        self._keys = keys
        self._fetched_at = self._clock()
        return keys

    def _fetch(self, timeout: float) -> dict[str, RSAPublicKey]:
        try:
            answer = http.get(self._url, {"Accept": "application/json"}, Deadline(timeout))
        except (http.TransportError, DeadlineExceeded) as exc:
            raise KeySetUnavailable(type(exc).__name__) from None
        if answer.status != 200:
            raise KeySetUnavailable(f"HTTP {answer.status}")
        return key_set(answer.body)


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
        except KeySetUnavailable as exc:
            log.warning("key set not fetched in INIT", extra={"error": str(exc)})

    def refresh_keys_in_background(self) -> None:
        self._keys.refresh_in_background()

    def keep_keys_warm(self) -> None:
        """For INIT: the key set fetched now, so a SnapStart snapshot holds it, and fetched again in
        the background after each restore (a snapshot may be restored days after INIT)."""
        self.prefetch_keys()
        snapstart.after_restore(self.refresh_keys_in_background)

    def owner(self, token: str, fetch_timeout: float) -> str:
        """The token's `sub` if the token is valid; raises InvalidToken or ExpiredToken, or
        KeySetUnavailable when the issuer's keys cannot be had. `fetch_timeout` bounds a fetch of
        the key set, when one is due. A token verified before is trusted until its `exp` without a
        new check: withdrawing its key meanwhile does not stop it (the key set itself is kept up to
        JWKS_LIFESPAN_SECONDS anyway)."""
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
            signed = jws.parse(token)
            key = self._keys.signing_key(signed.kid, fetch_timeout)  # KeySetUnavailable: ours
            if key is None:
                raise InvalidToken("no key with the token's key id")
            claims = jws.verify(signed, key)
        except jws.Refused as exc:
            raise InvalidToken(str(exc)) from None
        return self._checked(claims)

    def _checked(self, claims: dict[str, Any]) -> tuple[str, float]:
        """`sub` and `exp` of verified claims, checked in PyJWT's order: required claims, `iat`,
        `nbf`, `exp`, then issuer, audience and subject."""
        for name in REQUIRED_CLAIMS:
            if claims.get(name) is None:
                raise InvalidToken(f"no {name} claim")
        now = self._clock()
        issued = _instant(claims, "iat")
        if issued is not None and issued > now + LEEWAY_SECONDS:
            raise InvalidToken("issued in the future")
        not_before = _instant(claims, "nbf")
        if not_before is not None and not_before > now + LEEWAY_SECONDS:
            raise InvalidToken("not yet valid")
        exp = _instant(claims, "exp")
        assert exp is not None
        if exp <= now - LEEWAY_SECONDS:
            raise ExpiredToken("token expired")
        if claims["iss"] != self._issuer:
            raise InvalidToken("issuer mismatch")
        if not self._audience_matches(claims):
            raise InvalidToken("audience mismatch")
        sub = claims["sub"]
        if not isinstance(sub, str) or not sub:
            raise InvalidToken("no subject")
        return sub, float(exp)

    def _audience_matches(self, claims: dict[str, Any]) -> bool:
        aud = claims.get("aud")
        audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        return self._audience in audiences or claims.get("client_id") == self._audience


def _instant(claims: dict[str, Any], name: str) -> int | None:
    """A time claim in whole seconds (truncated, as PyJWT did); None when absent. A number, not a
    bool or a string (the parser admits no NaN or infinity)."""
    if name not in claims:
        return None
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidToken(f"{name} claim not a number")
    return int(value)
