"""The local issuer and token verification (file:// JWKS, key reuse, Cognito-style audience)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from functions.alexa_skill.tokens import ExpiredToken, FileKeySource, InvalidToken, TokenVerifier, key_source
from localcloud.aws.identity import LocalIssuer


def verifier_for(issuer: LocalIssuer) -> TokenVerifier:
    env = issuer.env()
    return TokenVerifier(
        key_source(env["IDENTITY_JWKS_URL"]),
        issuer=env["IDENTITY_ISSUER"],
        audience=env["IDENTITY_AUDIENCE"],
    )


def owner(verifier: TokenVerifier, token: str) -> str:
    return verifier.owner(token, fetch_timeout=1.0)


def test_env_points_the_skill_at_the_issuer(tmp_path: Path) -> None:
    issuer = LocalIssuer(tmp_path, issuer="https://id.test", audience="skill-a")
    env = issuer.env()
    assert env["IDENTITY_ISSUER"] == "https://id.test"
    assert env["IDENTITY_AUDIENCE"] == "skill-a"
    assert env["IDENTITY_JWKS_URL"].startswith("file://")
    (key,) = json.loads(issuer.jwks_path.read_text())["keys"]
    assert key["kid"] == issuer.kid and key["alg"] == "RS256" and "d" not in key


def test_tokens_verify_and_carry_the_owner(tmp_path: Path) -> None:
    issuer = LocalIssuer(tmp_path)
    token = issuer.mint("user-1")
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    assert owner(verifier_for(issuer), token) == "user-1"


def test_keys_are_reused_so_earlier_tokens_stay_valid(tmp_path: Path) -> None:
    first = LocalIssuer(tmp_path)
    token = first.mint("user-1")
    second = LocalIssuer(tmp_path)
    assert second.kid == first.kid
    assert owner(verifier_for(second), token) == "user-1"


def test_expired_and_foreign_tokens_are_rejected(tmp_path: Path) -> None:
    issuer = LocalIssuer(tmp_path / "a")
    verifier = verifier_for(issuer)
    with pytest.raises(ExpiredToken):
        owner(verifier, issuer.mint("u", expires_in=-1))
    with pytest.raises(InvalidToken):
        owner(verifier, LocalIssuer(tmp_path / "b").mint("u"))
    with pytest.raises(InvalidToken):
        owner(verifier, issuer.mint("u", aud=["other"]))
    with pytest.raises(InvalidToken):
        owner(verifier, issuer.mint(""))
    with pytest.raises(InvalidToken):
        owner(verifier, issuer.mint("u", exp=None))
    unsigned = jwt.encode(
        {"sub": "u", "iss": issuer.issuer, "aud": issuer.audience}, key=None, algorithm="none"
    )
    with pytest.raises(InvalidToken):
        owner(verifier, unsigned)


def test_audience_may_be_in_a_list_or_in_client_id(tmp_path: Path) -> None:
    issuer = LocalIssuer(tmp_path)
    verifier = verifier_for(issuer)
    assert owner(verifier, issuer.mint("u", aud=["x", issuer.audience])) == "u"
    assert owner(verifier, issuer.mint("u", aud=None, client_id=issuer.audience)) == "u"
    with pytest.raises(InvalidToken):
        owner(verifier, issuer.mint("u", aud=None, client_id="other-client"))


def test_file_jwks_is_read_once_and_reread_for_an_unknown_key(tmp_path: Path) -> None:
    issuer = LocalIssuer(tmp_path)
    source = FileKeySource(issuer.jwks_path)
    verifier = TokenVerifier(source, issuer=issuer.issuer, audience=issuer.audience)
    assert owner(verifier, issuer.mint("u")) == "u"
    # Rotation: a new key replaces the file; the cached set lacks its kid, so it is reread.
    (tmp_path / "identity-private-key.pem").unlink()
    rotated = LocalIssuer(tmp_path)
    assert rotated.kid != issuer.kid
    assert owner(verifier, rotated.mint("v")) == "v"


class CountingKeys(FileKeySource):
    """The file key source, counting the key lookups (one per signature checked)."""

    lookups = 0

    def signing_key(self, kid: str, fetch_timeout: float) -> RSAPublicKey | None:
        self.lookups += 1
        return super().signing_key(kid, fetch_timeout)


def test_a_verified_token_is_checked_once_until_it_expires(tmp_path: Path) -> None:
    issuer = LocalIssuer(tmp_path)
    keys = CountingKeys(issuer.jwks_path)
    now = [time.time()]
    verifier = TokenVerifier(keys, issuer=issuer.issuer, audience=issuer.audience, clock=lambda: now[0])
    token = issuer.mint("u", expires_in=60)
    assert [owner(verifier, token) for _ in range(3)] == ["u", "u", "u"]
    assert keys.lookups == 1
    assert owner(verifier, issuer.mint("v")) == "v"
    assert keys.lookups == 2
    # Past its `exp`, the remembered token is refused as any expired one.
    now[0] += 61
    with pytest.raises(ExpiredToken):
        owner(verifier, token)
    # A refused token is never remembered.
    with pytest.raises(InvalidToken):
        owner(verifier, LocalIssuer(tmp_path / "b").mint("u"))
    with pytest.raises(InvalidToken):
        owner(verifier, LocalIssuer(tmp_path / "b").mint("u"))
    assert keys.lookups == 4
