"""A JWT's compact JWS, RS256 only: parsed strictly here, its signature checked by `cryptography`
(RSASSA-PKCS1-v1_5 with SHA-256, RFC 7518 §3.3). The skill needs one algorithm of a JWT library;
PyJWT's import alone loads cryptography's X.509, SSH, cipher and elliptic-curve modules and
urllib.request (docs/architecture.md).

Before its signature is checked only the token's header is read: at most MAX_TOKEN_CHARS, exactly
three base64url segments (no padding, whitespace or other character; canonical), the header a JSON
object whose `alg` is exactly "RS256", whose `kid` is a string, and with no `crit`. The claims are
parsed once the signature verifies: a JSON object, no name twice, no NaN or infinite number. A
refusal's text is a fixed reason, never the token, a claim or a key.

Keys come from a JWKS document: RSA keys for signatures (`use` "sig", `alg` "RS256" and `key_ops`
with "verify", each when given) of MIN_MODULUS_BITS to MAX_MODULUS_BITS, by `kid`. Any other entry
of the set is skipped, not an error.
"""

from __future__ import annotations

import base64
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ALGORITHM = "RS256"
# Far above a provider's access token (Cognito's are 1-2 KB); nothing larger is decoded.
MAX_TOKEN_CHARS = 16 * 1024
MAX_KID_CHARS = 256
MIN_MODULUS_BITS = 2048
MAX_MODULUS_BITS = 8192

_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


class Refused(Exception):
    """Not a well-formed RS256 JWS, or its signature does not verify (the text: a fixed reason)."""


@dataclass(frozen=True)
class Signed:
    """A token's parts, its signature not yet checked."""

    kid: str
    signing_input: bytes
    signature: bytes
    payload: bytes


def parse(token: object) -> Signed:
    """The token's key id, signing input, signature and (still unread) payload; Refused unless it
    is a compact JWS whose header asks for RS256 with a key id."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
        raise Refused("not a token of a sensible size")
    segments = token.split(".")
    if len(segments) != 3:
        raise Refused("not three segments")
    header_b64, payload_b64, signature_b64 = segments
    header = _json_object(_base64url(header_b64))
    if header.get("alg") != ALGORITHM:
        raise Refused("algorithm not RS256")
    if "crit" in header:
        raise Refused("critical header parameter")
    kid = header.get("kid")
    if not isinstance(kid, str) or not 0 < len(kid) <= MAX_KID_CHARS:
        raise Refused("no key id")
    signature, payload = _base64url(signature_b64), _base64url(payload_b64)
    # Every segment is base64url by now, so ASCII.
    return Signed(kid, f"{header_b64}.{payload_b64}".encode("ascii"), signature, payload)


def verify(signed: Signed, key: rsa.RSAPublicKey) -> dict[str, Any]:
    """The claims, once the signature verifies with `key`; Refused otherwise."""
    if len(signed.signature) != (key.key_size + 7) // 8:
        raise Refused("signature of the wrong size")
    try:
        key.verify(signed.signature, signed.signing_input, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise Refused("signature does not verify") from None
    return _json_object(signed.payload)


def public_keys(document: object) -> dict[str, rsa.RSAPublicKey]:
    """The usable keys of a JWKS document by `kid` (the first of a `kid` given twice); Refused
    unless the document is a JSON object with a `keys` list."""
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise Refused("not a JWK set")
    keys: dict[str, rsa.RSAPublicKey] = {}
    for entry in entries:
        usable = _usable_key(entry)
        if usable is not None:
            keys.setdefault(*usable)
    return keys


def _usable_key(entry: object) -> tuple[str, rsa.RSAPublicKey] | None:
    if not isinstance(entry, dict) or not _for_rs256_signatures(entry):
        return None
    kid, n, e = entry.get("kid"), entry.get("n"), entry.get("e")
    if not isinstance(kid, str) or not 0 < len(kid) <= MAX_KID_CHARS:
        return None
    if not isinstance(n, str) or not isinstance(e, str):
        return None
    try:
        # A provider may pad its key's values; a token's segments may not be.
        modulus = int.from_bytes(_base64url(n.rstrip("=")))
        exponent = int.from_bytes(_base64url(e.rstrip("=")))
        if not MIN_MODULUS_BITS <= modulus.bit_length() <= MAX_MODULUS_BITS:
            return None
        return kid, rsa.RSAPublicNumbers(exponent, modulus).public_key()
    except (Refused, ValueError):  # ValueError: an even or out-of-range exponent
        return None


def _for_rs256_signatures(entry: dict[str, Any]) -> bool:
    operations = entry.get("key_ops")
    return (
        entry.get("kty") == "RSA"
        and entry.get("use", "sig") == "sig"
        and entry.get("alg", ALGORITHM) == ALGORITHM
        and (operations is None or (isinstance(operations, list) and "verify" in operations))
    )


def _base64url(segment: str) -> bytes:
    if not _BASE64URL.fullmatch(segment) or len(segment) % 4 == 1:
        raise Refused("not base64url")
    raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    # Unused low bits set give another text for the same bytes: only the canonical one is taken.
    if base64.urlsafe_b64encode(raw).rstrip(b"=") != segment.encode("ascii"):
        raise Refused("not canonical base64url")
    return raw


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(
            raw.decode("utf-8"),
            object_pairs_hook=_unique_names,
            parse_float=_finite,
            parse_constant=_no_constant,
        )
    except (ValueError, RecursionError):
        raise Refused("not JSON") from None
    if not isinstance(value, dict):
        raise Refused("not a JSON object")
    return value


def _unique_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        raise ValueError("a name given twice")
    return value


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def _no_constant(text: str) -> Any:
    raise ValueError("NaN and Infinity are not JSON")
