"""The RS256 verifier as an attacker would probe it: every malformed, confused or tampered token is
InvalidToken (never accepted, never an unexpected error), and its text quotes nothing of the
token; unusable keys of a set are skipped; a key set that cannot be had is KeySetUnavailable (our
fault), not InvalidToken. Tokens signed by PyJWT verify exactly as before."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from jwt.algorithms import RSAAlgorithm

from functions.alexa_skill import jws
from functions.alexa_skill.tokens import (
    ExpiredToken,
    FileKeySource,
    HttpKeySource,
    InvalidToken,
    KeySetUnavailable,
    TokenVerifier,
    key_set,
)
from localcloud.aws.identity import PRIVATE_KEY_FILE, LocalIssuer
from tests.common.loopback_http import LoopbackHttp, Reply

SUB = "owner-7f3a9c"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def private_key(issuer: LocalIssuer) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key((issuer.directory / PRIVATE_KEY_FILE).read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def sign(key: rsa.RSAPrivateKey, header: dict[str, Any] | bytes, claims: dict[str, Any] | bytes) -> str:
    """A compact JWS over exactly these header and claims bytes, RS256-signed with `key`."""
    raw_header = header if isinstance(header, bytes) else json.dumps(header).encode()
    raw_claims = claims if isinstance(claims, bytes) else json.dumps(claims).encode()
    signing_input = f"{b64(raw_header)}.{b64(raw_claims)}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64(signature)}"


class Minter:
    """Tokens for the issuer's key, with any header or claims."""

    def __init__(self, issuer: LocalIssuer) -> None:
        self.issuer = issuer
        self.key = private_key(issuer)

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        body = {
            "iss": self.issuer.issuer,
            "aud": self.issuer.audience,
            "sub": SUB,
            "iat": now,
            "exp": now + 600,
        }
        return {k: v for k, v in (body | overrides).items() if v is not None}

    def header(self, **overrides: Any) -> dict[str, Any]:
        return {
            k: v
            for k, v in ({"alg": "RS256", "typ": "JWT", "kid": self.issuer.kid} | overrides).items()
            if v is not None
        }

    def token(
        self, header: dict[str, Any] | bytes | None = None, claims: dict[str, Any] | bytes | None = None
    ) -> str:
        return sign(
            self.key, self.header() if header is None else header, self.claims() if claims is None else claims
        )


@pytest.fixture
def minter(issuer: LocalIssuer) -> Minter:
    return Minter(issuer)


@pytest.fixture
def verifier(issuer: LocalIssuer) -> TokenVerifier:
    return TokenVerifier(FileKeySource(issuer.jwks_path), issuer=issuer.issuer, audience=issuer.audience)


def refused(verifier: TokenVerifier, token: Any) -> InvalidToken:
    """The token is refused as invalid; the refusal quotes nothing of it."""
    with pytest.raises(InvalidToken) as raised:
        verifier.owner(token, fetch_timeout=1.0)
    text = str(raised.value)
    assert SUB not in text
    if isinstance(token, str):
        for part in token.split("."):
            assert len(part) < 8 or part not in text
    assert not isinstance(raised.value, ExpiredToken)
    return raised.value


def test_the_helper_s_tokens_verify(verifier: TokenVerifier, minter: Minter) -> None:
    assert verifier.owner(minter.token(), fetch_timeout=1.0) == SUB


# Tokens signed by PyJWT, as the local issuer mints them, verify as they did under PyJWT.


@pytest.mark.parametrize(
    "claims",
    [
        {},
        {"nbf": int(time.time()) - 5, "jti": "j-1", "scope": "openid"},
        {"aud": ["other", "alexa-camera-skill"]},
        {"aud": None, "client_id": "alexa-camera-skill", "token_use": "access"},
        {"iat": time.time() - 1.5, "exp": time.time() + 600.5},
    ],
)
def test_pyjwt_tokens_verify(verifier: TokenVerifier, issuer: LocalIssuer, claims: dict[str, Any]) -> None:
    assert verifier.owner(issuer.mint(SUB, **claims), fetch_timeout=1.0) == SUB


def test_a_pyjwt_token_with_more_header_parameters_verifies(verifier: TokenVerifier, minter: Minter) -> None:
    token = jwt.encode(
        minter.claims(), minter.key, algorithm="RS256", headers={"kid": minter.issuer.kid, "cty": "x"}
    )
    assert verifier.owner(token, fetch_timeout=1.0) == SUB


# The compact form: three canonical base64url segments, nothing else, and not too large.


def test_segments_other_than_three_are_refused(verifier: TokenVerifier, minter: Minter) -> None:
    header, claims, signature = minter.token().split(".")
    for token in (
        f"{header}.{claims}",
        f"{header}.{claims}.{signature}.{signature}",
        f"{header}.{claims}.",
        f".{claims}.{signature}",
        f"{header}..{signature}",
        "",
        "...",
        "not-a-jwt",
    ):
        refused(verifier, token)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda s: s + "=",
        lambda s: s + "==",
        lambda s: " " + s,
        lambda s: s + "\n",
        lambda s: s[:4] + "\t" + s[4:],
        lambda s: s.replace("-", "+").replace("_", "/") + "+/",
        lambda s: s + "*",
        lambda s: s + "é",
        lambda s: s + "\x00",
    ],
)
@pytest.mark.parametrize("segment", [0, 1, 2])
def test_padding_whitespace_and_foreign_characters_are_refused(
    verifier: TokenVerifier, minter: Minter, tamper: Any, segment: int
) -> None:
    parts = minter.token().split(".")
    parts[segment] = tamper(parts[segment])
    refused(verifier, ".".join(parts))


def test_a_non_canonical_signature_encoding_is_refused(verifier: TokenVerifier, minter: Minter) -> None:
    # 256 signature bytes are 342 characters, the last carrying 2 bits and 4 unused ones: setting an
    # unused bit decodes to the same bytes, yet is another token.
    header, claims, signature = minter.token().split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    twin = signature[:-1] + alphabet[alphabet.index(signature[-1]) ^ 1]
    assert base64.urlsafe_b64decode(twin + "==") == base64.urlsafe_b64decode(signature + "==")
    refused(verifier, f"{header}.{claims}.{twin}")


def test_a_token_beyond_the_size_cap_is_refused_before_parsing(
    verifier: TokenVerifier, minter: Minter
) -> None:
    small = minter.token(claims=minter.claims(pad="x" * 1000))
    assert verifier.owner(small, fetch_timeout=1.0) == SUB
    large = minter.token(claims=minter.claims(pad="x" * jws.MAX_TOKEN_CHARS))
    assert len(large) > jws.MAX_TOKEN_CHARS
    refused(verifier, large)
    refused(verifier, "a" * (10 * jws.MAX_TOKEN_CHARS))


def test_tokens_that_are_not_strings_are_refused(verifier: TokenVerifier, minter: Minter) -> None:
    refused(verifier, minter.token().encode())
    refused(verifier, None)


# The header: a JSON object, `alg` exactly RS256, a string `kid` of the key set, no `crit`.


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "none"},
        {"alg": "None"},
        {"alg": "rs256"},
        {"alg": "RS512"},
        {"alg": "PS256"},
        {"alg": "HS256"},
        {"alg": "ES256"},
        {"alg": ["RS256"]},
        {"alg": None},
        {"kid": None},
        {"kid": 1},
        {"kid": ""},
        {"kid": ["k"]},
        {"kid": "x" * 300},
        {"kid": "unknown-key-id-4711"},
        {"crit": ["exp"], "exp": 1},
        {"crit": ["b64"], "b64": True},
        {"crit": []},
    ],
)
def test_headers_other_than_rs256_with_a_known_kid_are_refused(
    verifier: TokenVerifier, minter: Minter, header: dict[str, Any]
) -> None:
    error = refused(verifier, minter.token(header=minter.header() | header))
    assert "4711" not in str(error)


@pytest.mark.parametrize(
    "header",
    [b"[]", b'"RS256"', b"null", b"not json", b"", b'{"alg":"RS256","kid":"K","alg":"none"}', b"\xff\xfe{}"],
)
def test_headers_that_are_not_one_json_object_are_refused(
    verifier: TokenVerifier, minter: Minter, header: bytes
) -> None:
    header = header.replace(b'"K"', json.dumps(minter.issuer.kid).encode())
    refused(verifier, minter.token(header=header))


def test_duplicate_header_names_are_refused(verifier: TokenVerifier, minter: Minter) -> None:
    kid = json.dumps(minter.issuer.kid)
    refused(verifier, minter.token(header=f'{{"alg":"none","kid":{kid},"alg":"RS256"}}'.encode()))


def test_alg_none_is_refused(verifier: TokenVerifier, minter: Minter) -> None:
    unsigned = jwt.encode(minter.claims(), key=None, algorithm="none", headers={"kid": minter.issuer.kid})
    refused(verifier, unsigned)
    refused(verifier, unsigned.rstrip(".") + "." + b64(b"\x00" * 256))


def test_hs256_keyed_with_the_public_key_is_refused(verifier: TokenVerifier, minter: Minter) -> None:
    # The classic confusion: an HMAC "signed" with the public key, which everybody can fetch.
    public = minter.key.public_key()
    for secret in (
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        RSAAlgorithm.to_jwk(public).encode(),
        minter.issuer.jwks_path.read_bytes(),
    ):
        header = b64(json.dumps(minter.header(alg="HS256")).encode())
        signing_input = f"{header}.{b64(json.dumps(minter.claims()).encode())}"
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        refused(verifier, f"{signing_input}.{b64(mac)}")


def test_es256_is_refused(verifier: TokenVerifier, minter: Minter) -> None:
    token = jwt.encode(
        minter.claims(),
        ec.generate_private_key(ec.SECP256R1()),
        algorithm="ES256",
        headers={"kid": minter.issuer.kid},
    )
    refused(verifier, token)


# The signature: over exactly the first two segments, by the key the kid names.


def test_a_tampered_payload_or_header_is_refused(verifier: TokenVerifier, minter: Minter) -> None:
    header, claims, signature = minter.token().split(".")
    other = minter.token(claims=minter.claims(sub="someone-else")).split(".")[1]
    refused(verifier, f"{header}.{other}.{signature}")
    retyped = b64(json.dumps(minter.header(typ="at+jwt")).encode())
    refused(verifier, f"{retyped}.{claims}.{signature}")


@pytest.mark.parametrize("size", [0, 1, 255, 257, 512])
def test_a_signature_of_the_wrong_size_is_refused(verifier: TokenVerifier, minter: Minter, size: int) -> None:
    header, claims, signature = minter.token().split(".")
    raw = base64.urlsafe_b64decode(signature + "==")
    refused(verifier, f"{header}.{claims}.{b64((raw * 2)[:size])}")


def test_another_key_under_the_same_kid_is_refused(verifier: TokenVerifier, minter: Minter) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    refused(verifier, sign(stranger, minter.header(), minter.claims()))


# The claims: one JSON object; exp, nbf and iat numbers (not bools, not strings); none in the future.


@pytest.mark.parametrize(
    "claims",
    [
        b"[]",
        b"null",
        b"not json",
        b'{"exp":E,"sub":"S","sub":"someone-else"}',
        b'{"sub":"S","exp":NaN}',
        b'{"sub":"S","exp":Infinity}',
        b'{"sub":"S","exp":1e400}',
        b'{"sub":"S","exp":-Infinity}',
        b'{"sub":"S","exp":E,"nbf":NaN}',
    ],
)
def test_claims_that_are_not_one_plain_json_object_are_refused(
    verifier: TokenVerifier, minter: Minter, claims: bytes
) -> None:
    def body(extra: bytes) -> bytes:
        base = json.dumps(minter.claims(sub=None, exp=None)).encode()[:-1]
        text = extra if not extra.startswith(b"{") else base + b"," + extra[1:]
        return text.replace(b'"S"', json.dumps(SUB).encode()).replace(
            b"E", str(int(time.time()) + 600).encode()
        )

    assert verifier.owner(minter.token(claims=body(b'{"sub":"S","exp":E}')), fetch_timeout=1.0) == SUB
    refused(verifier, minter.token(claims=body(claims)))


@pytest.mark.parametrize(
    "overrides",
    [
        {"exp": True},
        {"exp": str(int(time.time()) + 600)},
        {"exp": [int(time.time()) + 600]},
        {"exp": {"at": 1}},
        {"iat": False},
        {"iat": "0"},
        {"nbf": "0"},
        {"nbf": None, "iat": None, "exp": None},
        {"iss": None},
        {"sub": None},
        {"sub": ""},
        {"sub": 7},
        {"sub": ["x"]},
        {"nbf": int(time.time()) + 120},
        {"iat": int(time.time()) + 120},
        {"iss": "https://identity.localcloud.invalid/"},
        {"iss": "HTTPS://identity.localcloud.invalid"},
        {"iss": ["https://identity.localcloud.invalid"]},
        {"aud": "alexa-camera-skill-2"},
        {"aud": {"alexa-camera-skill": True}},
        {"aud": None, "client_id": ["alexa-camera-skill"]},
    ],
)
def test_claims_out_of_bounds_are_refused(
    verifier: TokenVerifier, minter: Minter, overrides: dict[str, Any]
) -> None:
    claims = minter.claims() | overrides
    refused(verifier, minter.token(claims={k: v for k, v in claims.items() if v is not None}))


def test_a_past_exp_is_expired_even_by_a_second(verifier: TokenVerifier, minter: Minter) -> None:
    now = int(time.time())
    for exp in (now, now - 1, now - 86400):
        with pytest.raises(ExpiredToken):
            verifier.owner(minter.token(claims=minter.claims(exp=exp)), fetch_timeout=1.0)


def test_a_past_nbf_and_a_present_iat_are_fine(verifier: TokenVerifier, minter: Minter) -> None:
    now = int(time.time())
    assert verifier.owner(minter.token(claims=minter.claims(nbf=now - 1, iat=now)), fetch_timeout=1.0) == SUB


# The key set: unusable entries skipped, the usable ones kept.


def jwk(key: rsa.RSAPublicKey, **fields: Any) -> dict[str, Any]:
    return json.loads(RSAAlgorithm.to_jwk(key)) | fields


def test_unusable_keys_are_skipped_and_the_rest_of_the_set_serves(tmp_path: Path, minter: Minter) -> None:
    good = jwk(minter.key.public_key(), kid=minter.issuer.kid, use="sig", alg="RS256")
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 (skipped, the point)
    encrypting = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    entries = [
        {"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"},
        {"kty": "oct", "kid": "hmac", "k": b64(b"secret")},
        jwk(weak.public_key(), kid="weak"),
        jwk(encrypting.public_key(), kid="enc", use="enc"),
        jwk(encrypting.public_key(), kid="rs512", alg="RS512"),
        jwk(encrypting.public_key(), kid="ops", key_ops=["encrypt"]),
        jwk(encrypting.public_key()),  # no kid
        jwk(encrypting.public_key(), kid=7),
        jwk(encrypting.public_key(), kid="bad-n", n="!!"),
        jwk(encrypting.public_key(), kid="even-e", e=b64(b"\x01\x00")),
        "not an object",
        good,
        jwk(encrypting.public_key(), kid=minter.issuer.kid),  # a kid given twice: the first counts
    ]
    keys = key_set(json.dumps({"keys": entries}))
    assert list(keys) == [minter.issuer.kid]
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": entries}))
    verifier = TokenVerifier(
        FileKeySource(path), issuer=minter.issuer.issuer, audience=minter.issuer.audience
    )
    assert verifier.owner(minter.token(), fetch_timeout=1.0) == SUB
    # A token by a skipped key is refused like one by an unknown key.
    refused(verifier, sign(weak, minter.header(kid="weak"), minter.claims()))
    refused(verifier, sign(encrypting, minter.header(kid="enc"), minter.claims()))


@pytest.mark.parametrize(
    "document",
    ["[]", "{}", '{"keys": {}}', '{"keys": []}', '{"keys": [{"kty": "EC"}]}', "not json", ""],
)
def test_a_set_with_no_usable_key_is_unavailable(document: str) -> None:
    with pytest.raises(KeySetUnavailable):
        key_set(document)


# Fetching the set: our own HTTP client; a set that cannot be had is our fault.


@pytest.fixture
def jwks_server(issuer: LocalIssuer) -> Iterator[LoopbackHttp]:
    with LoopbackHttp(
        Reply(200, issuer.jwks_path.read_bytes(), {"Content-Type": "application/json"})
    ) as server:
        yield server


@pytest.mark.parametrize(
    "reply",
    [
        Reply(500, b"{}"),
        Reply(404, b""),
        Reply(302, b"", {"Location": "http://127.0.0.1:1/jwks.json"}),
        Reply(200, b"<html>"),
        Reply(200, b'{"keys": []}'),
    ],
)
def test_a_key_set_that_cannot_be_had_is_our_fault_not_the_token_s(
    jwks_server: LoopbackHttp, minter: Minter, reply: Reply
) -> None:
    jwks_server.reply = reply
    issuer = minter.issuer
    verifier = TokenVerifier(HttpKeySource(jwks_server.url), issuer=issuer.issuer, audience=issuer.audience)
    verifier.prefetch_keys(timeout=2.0)  # INIT logs it and goes on
    with pytest.raises(KeySetUnavailable) as raised:
        verifier.owner(minter.token(), fetch_timeout=2.0)
    assert not isinstance(raised.value, InvalidToken)
    assert jwks_server.url not in str(raised.value)
    assert [r.method for r in jwks_server.requests] == ["GET", "GET"]


def test_an_unreachable_key_set_is_our_fault(minter: Minter) -> None:
    issuer = minter.issuer
    verifier = TokenVerifier(
        HttpKeySource("http://127.0.0.1:1/jwks.json"), issuer=issuer.issuer, audience=issuer.audience
    )
    with pytest.raises(KeySetUnavailable):
        verifier.owner(minter.token(), fetch_timeout=2.0)


def test_the_fetch_is_bounded_by_the_caller_s_time(jwks_server: LoopbackHttp, minter: Minter) -> None:
    jwks_server.reply = Reply(200, minter.issuer.jwks_path.read_bytes(), drip_s=0.05)
    keys = HttpKeySource(jwks_server.url)
    started = time.monotonic()
    with pytest.raises(KeySetUnavailable):
        keys.signing_key(minter.issuer.kid, fetch_timeout=1.0)
    assert time.monotonic() - started < 1.6


def test_unknown_kids_refetch_at_most_once_per_cooldown_and_the_set_ages_out(
    jwks_server: LoopbackHttp, minter: Minter
) -> None:
    now = [1000.0]
    keys = HttpKeySource(jwks_server.url, refresh_cooldown_s=30, lifespan_s=3600, clock=lambda: now[0])
    keys.prefetch(timeout=2.0)
    assert keys.signing_key(minter.issuer.kid, 2.0) is not None
    assert len(jwks_server.requests) == 1
    now[0] += 10
    assert keys.signing_key("random-1", 2.0) is None  # cooling down: no fetch
    assert len(jwks_server.requests) == 1
    now[0] += 21
    assert keys.signing_key("random-2", 2.0) is None  # the cooldown passed: one fetch
    assert keys.signing_key("random-3", 2.0) is None  # and the next waits again
    assert len(jwks_server.requests) == 2
    now[0] += 3601
    assert keys.signing_key(minter.issuer.kid, 2.0) is not None  # the set aged out: fetched again
    assert len(jwks_server.requests) == 3


def test_a_redirect_is_not_followed_for_the_key_set(jwks_server: LoopbackHttp, issuer: LocalIssuer) -> None:
    redirect = Reply(302, b"", {"Location": f"{jwks_server.url}/jwks.json"})
    with LoopbackHttp(redirect) as origin, pytest.raises(KeySetUnavailable):
        HttpKeySource(origin.url).prefetch(timeout=2.0)
    assert jwks_server.requests == []


def test_only_http_urls_are_fetched() -> None:
    with pytest.raises(ValueError):
        HttpKeySource("ftp://example.invalid/jwks.json")


def test_nothing_of_a_token_or_a_key_reaches_the_logs(
    caplog: pytest.LogCaptureFixture, jwks_server: LoopbackHttp, minter: Minter
) -> None:
    issuer = minter.issuer
    token = minter.token()
    secret_bits = [
        SUB,
        issuer.kid,
        jwks_server.url,
        *token.split("."),
        json.loads(issuer.jwks_path.read_text())["keys"][0]["n"][:40],
    ]
    caplog.set_level("DEBUG")
    keys = HttpKeySource(jwks_server.url, refresh_cooldown_s=0)
    verifier = TokenVerifier(keys, issuer=issuer.issuer, audience=issuer.audience)
    verifier.prefetch_keys(timeout=2.0)
    assert verifier.owner(token, fetch_timeout=2.0) == SUB
    for bad in (
        token + "=",
        minter.token(header=minter.header(alg="HS256")),
        minter.token(claims=minter.claims(iss="x")),
    ):
        with pytest.raises(InvalidToken):
            verifier.owner(bad, fetch_timeout=2.0)
    jwks_server.reply = Reply(
        200,
        json.dumps(
            {"keys": [{"kty": "EC", "kid": issuer.kid}, *json.loads(issuer.jwks_path.read_text())["keys"]]}
        ).encode(),
    )
    with pytest.raises(InvalidToken):
        verifier.owner(minter.token(header=minter.header(kid="unknown-kid-0042")), fetch_timeout=2.0)
    jwks_server.reply = Reply(500, b"upstream failure")
    keys.refresh_in_background()
    with pytest.raises(KeySetUnavailable):
        verifier.owner(minter.token(header=minter.header(kid="unknown-kid-0042")), fetch_timeout=2.0)
    deadline = time.monotonic() + 5
    while not any("refresh failed" in r.getMessage() for r in caplog.records) and time.monotonic() < deadline:
        time.sleep(0.01)
    # Ours: urllib3's own debug lines name the host it connects to.
    logged = " ".join(
        f"{r.getMessage()} {r.__dict__}" for r in caplog.records if r.name.startswith("functions")
    )
    assert "refresh failed" in logged and "skipped" in logged
    assert [bit for bit in secret_bits if bit in logged] == []
    assert "0042" not in logged
