"""The outbound HTTP client and its two callers (LWA, the event gateway) against real loopback
servers: a redirect is never followed, and a call ends by its deadline however slowly the answer
comes."""

from __future__ import annotations

import time

import pytest
from pydantic import SecretStr

from functions.alexa_events.gateway import EventGateway, GatewayBusy
from functions.common.alexa.lwa import ClientCredentials, LoginWithAmazon, LwaUnavailable
from functions.common.deadline import Deadline, DeadlineExceeded
from functions.common.http import MIN_CALL_SECONDS, TransportError, post
from tests.common.loopback_http import LoopbackHttp, Reply

CLIENT = ClientCredentials(
    client_id="amzn1.application-oa2-client.x", client_secret=SecretStr("s3cr3t-value")
)
TOKEN = SecretStr("Atza|bearer-token-value")
REDIRECTS = [301, 302, 303, 307, 308]


@pytest.fixture
def target() -> LoopbackHttp:
    with LoopbackHttp(Reply(202, b"{}")) as server:
        yield server  # type: ignore[misc]


def redirector(status: int, target: LoopbackHttp, path: str) -> LoopbackHttp:
    return LoopbackHttp(Reply(status, b"", {"Location": f"{target.url}{path}"}))


@pytest.mark.parametrize("status", REDIRECTS)
def test_the_gateway_never_follows_a_redirect_and_a_3xx_is_busy(status: int, target: LoopbackHttp) -> None:
    with redirector(status, target, "/v3/events") as origin:
        gateway = EventGateway(f"{origin.url}/v3/events", timeout=2.0)
        with pytest.raises(GatewayBusy) as raised:
            gateway.send(TOKEN, {"event": {}}, Deadline(5))
    assert raised.value.status == status
    assert (
        len(origin.requests) == 1
        and origin.requests[0].headers["Authorization"] == f"Bearer {TOKEN.get_secret_value()}"
    )
    assert target.requests == []  # the bearer token went to the configured host only


@pytest.mark.parametrize("status", REDIRECTS)
def test_lwa_never_follows_a_redirect_and_a_3xx_is_unavailable(status: int, target: LoopbackHttp) -> None:
    target.reply = Reply(200, b'{"access_token": "Atza|a", "refresh_token": "Atzr|r", "expires_in": 3600}')
    with redirector(status, target, "/auth/o2/token") as origin:
        lwa = LoginWithAmazon(f"{origin.url}/auth/o2/token", lambda: CLIENT, timeout=2.0)
        with pytest.raises(LwaUnavailable):
            lwa.refresh(SecretStr("Atzr|refresh-token-value"), Deadline(5))
    assert b"s3cr3t-value" in origin.requests[0].body
    assert target.requests == []  # neither the client secret nor the refresh token went elsewhere


def test_a_drip_fed_body_is_cut_at_the_deadline() -> None:
    # 200 bytes, one every 50 ms: each read is quick, the whole answer takes 10 s.
    with LoopbackHttp(Reply(202, b"x" * 200, drip_s=0.05)) as server:
        started = time.monotonic()
        with pytest.raises(TransportError):
            post(server.url, b"{}", {}, Deadline(1.0))
        elapsed = time.monotonic() - started
    assert 0.9 < elapsed < 1.5, elapsed


def test_a_call_is_not_started_without_the_time_to_make_it(target: LoopbackHttp) -> None:
    with pytest.raises(DeadlineExceeded):
        post(target.url, b"{}", {}, Deadline(MIN_CALL_SECONDS / 2))
    assert target.requests == []


def test_a_quick_answer_within_the_deadline_is_read_whole(target: LoopbackHttp) -> None:
    target.reply = Reply(200, b'{"ok": true}' * 1000)
    answer = post(target.url, b"{}", {"Content-Type": "application/json"}, Deadline(2.0))
    assert (answer.status, answer.body) == (200, b'{"ok": true}' * 1000)
    answer = post(target.url, b"{}", {}, Deadline(2.0))  # the kept connection serves the next call
    assert answer.status == 200 and len(target.requests) == 2
