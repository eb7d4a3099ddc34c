"""A local identity provider: an RSA key pair, its JWKS file, and tokens signed with it.

Stands in for the skill's account-linking provider (for example a Cognito user pool) in tests and
local runs. Keys already in the directory are reused, so a running local cloud keeps its keys and
the tokens it minted stay valid across restarts.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

DEFAULT_ISSUER = "https://identity.localcloud.invalid"
DEFAULT_AUDIENCE = "alexa-camera-skill"
PRIVATE_KEY_FILE = "identity-private-key.pem"
JWKS_FILE = "jwks.json"


class LocalIssuer:
    def __init__(
        self, directory: str | Path, *, issuer: str = DEFAULT_ISSUER, audience: str = DEFAULT_AUDIENCE
    ) -> None:
        self.directory = Path(directory)
        self.issuer = issuer
        self.audience = audience
        self.directory.mkdir(parents=True, exist_ok=True)
        self._key = self._load_or_create_key()
        public_jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        # The RFC 7638 thumbprint: stable for the key, so a reused key keeps its kid.
        self.kid = _thumbprint(public_jwk)
        self.jwks_path = self.directory / JWKS_FILE
        jwks = {"keys": [public_jwk | {"kid": self.kid, "use": "sig", "alg": "RS256"}]}
        self.jwks_path.write_text(json.dumps(jwks, indent=2))

    def _load_or_create_key(self) -> rsa.RSAPrivateKey:
        path = self.directory / PRIVATE_KEY_FILE
        if path.exists():
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(key, rsa.RSAPrivateKey):
                raise ValueError(f"{path} does not hold an RSA private key")
            return key
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        path.touch(mode=0o600)
        path.write_bytes(pem)
        return key

    def mint(self, sub: str, expires_in: int = 3600, **claims: Any) -> str:
        """A signed RS256 token for `sub`; a negative `expires_in` gives an expired one. Extra
        claims override the defaults (for example `aud=None` and `client_id=...`, as Cognito
        access tokens carry)."""
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": sub,
            "iat": now,
            "exp": now + expires_in,
        } | claims
        body = {k: v for k, v in body.items() if v is not None}
        return jwt.encode(body, self._key, algorithm="RS256", headers={"kid": self.kid})

    def env(self) -> dict[str, str]:
        """The IDENTITY_* variables that make the skill trust this issuer."""
        return {
            "IDENTITY_ISSUER": self.issuer,
            "IDENTITY_AUDIENCE": self.audience,
            "IDENTITY_JWKS_URL": self.jwks_path.resolve().as_uri(),
        }


def _thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint of an RSA public key."""
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
