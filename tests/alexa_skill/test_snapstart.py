"""SnapStart: the identity provider's key set is fetched in INIT (so the snapshot holds it), not
on the first directive; an unknown key id refreshes it once."""

from __future__ import annotations

import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from functions.alexa_skill.dependencies import init
from functions.alexa_skill.tokens import HttpKeySource, TokenVerifier
from localcloud import kvs
from localcloud.aws.identity import LocalIssuer
from tests.alexa_skill.conftest import OWNER, Cloud, discover, error_type, offer
from tests.alexa_skill.test_sessions import RecordingMaster


class CountingKeySetServer:
    """An identity provider's JWKS over HTTP, read from the issuer's file on each request, counted."""

    def __init__(self, jwks_path: Path) -> None:
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests += 1
                body = jwks_path.read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = "http://{}:{}/.well-known/jwks.json".format(*self._server.server_address[:2])

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def key_server(cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingKeySetServer]:
    server = CountingKeySetServer(cloud.issuer.jwks_path)
    monkeypatch.setenv("IDENTITY_JWKS_URL", server.url)
    yield server
    server.close()


def test_the_first_directive_after_init_opens_no_connection_to_the_key_set(
    cloud: Cloud, key_server: CountingKeySetServer
) -> None:
    device = cloud.camera("front-door")
    assert device.channel_arn
    kvs.attach_master(device.channel_arn, RecordingMaster())
    init()  # what the handler module runs in Lambda's INIT
    assert key_server.requests == 1

    response = cloud.invoke(offer("front-door", cloud.issuer.mint(OWNER)))

    assert response["event"]["header"]["name"] == "AnswerGeneratedForSession"
    assert key_server.requests == 1


def test_an_unknown_key_id_refreshes_the_key_set_once(tmp_path: Path) -> None:
    issuer = LocalIssuer(tmp_path)
    server = CountingKeySetServer(issuer.jwks_path)
    # No cooldown (30 s on Lambda, counted from the last fetch): the rotation comes right after INIT.
    keys = HttpKeySource(server.url, refresh_cooldown_s=0)
    verifier = TokenVerifier(keys, issuer=issuer.issuer, audience=issuer.audience)
    try:
        verifier.prefetch_keys(timeout=2.0)
        assert verifier.owner(issuer.mint("u"), fetch_timeout=2.0) == "u"
        assert server.requests == 1
        # The provider rotates its key: the kept set lacks the new kid, so it is fetched again, once.
        (tmp_path / "identity-private-key.pem").unlink()
        rotated = LocalIssuer(tmp_path)
        assert verifier.owner(rotated.mint("v"), fetch_timeout=2.0) == "v"
        assert verifier.owner(rotated.mint("w"), fetch_timeout=2.0) == "w"
        assert server.requests == 2
    finally:
        server.close()


def test_a_restore_refreshes_the_key_set_off_the_directives_path(
    cloud: Cloud, key_server: CountingKeySetServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Lambda's Python runtime provides `snapshot_restore_py`; here a stand-in records the hooks.
    hooks: list[Callable[[], None]] = []
    runtime = types.ModuleType("snapshot_restore_py")
    runtime.register_after_restore = hooks.append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", runtime)
    init()
    assert key_server.requests == 1 and len(hooks) == 1

    hooks[0]()  # the snapshot is restored, possibly long after INIT: its key set is refetched

    deadline = time.monotonic() + 5
    while key_server.requests < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert key_server.requests == 2


def test_a_key_set_that_cannot_be_fetched_is_our_internal_error_not_the_user_s_token(
    cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    device = cloud.camera("front-door")
    assert device.channel_arn
    master = RecordingMaster()
    kvs.attach_master(device.channel_arn, master)
    monkeypatch.setenv("IDENTITY_JWKS_URL", "http://127.0.0.1:1/.well-known/jwks.json")  # refused
    init()  # INIT logs the failure and goes on; each directive then tries again
    token = cloud.issuer.mint(OWNER)

    assert error_type(cloud.invoke(offer("front-door", token))) == "INTERNAL_ERROR"
    assert error_type(cloud.invoke(discover(token))) == "INTERNAL_ERROR"
    assert master.offers == []
