"""Each record works to one deadline, the invocation's end less a reserve, all the way down to the
socket: slow or drip-fed answers, backoffs and a refresh lease held by another sender all end by
it, and a record whose next attempt the time left cannot cover fails for a redelivery first."""

from __future__ import annotations

import logging
import time

import pytest

from functions.alexa_events.dependencies import dependencies
from functions.alexa_events.handler import RESERVE_SECONDS, handler
from functions.alexa_events.tokens import AccessTokens
from functions.common.alexa.lwa import LwaUnavailable
from functions.common.deadline import Deadline, DeadlineExceeded
from localcloud.aws.invoke import sqs_event
from localcloud.aws.lambda_context import LambdaContext
from tests.alexa_events.conftest import ALICE, BOB, Outbound
from tests.common.loopback_http import LoopbackHttp, Reply
from tests.conftest import logged_text


def owner_change(outbound: Outbound) -> list[dict[str, object]]:
    """cam-1 moves from Alice to Bob: one record that tells both of them."""
    outbound.link(ALICE)
    outbound.link(BOB)
    outbound.lifecycle("DeviceRegistered", "cam-1", 0, ALICE, friendlyName="Front door")
    outbound.deliver()
    outbound.lifecycle("DeviceUpdated", "cam-1", 10, BOB)
    return outbound.queued()


def run(messages: list[dict[str, object]], invocation_s: float) -> tuple[list[str], float]:
    """The events handler on one batch in an invocation of `invocation_s`; failed ids, seconds taken."""
    event = sqs_event(messages, "arn:aws:sqs:us-east-1:123456789012:alexa-events", "us-east-1")
    started = time.monotonic()
    response = handler(event, LambdaContext(function_name="alexa-events", timeout_s=invocation_s))
    return [f["itemIdentifier"] for f in response["batchItemFailures"]], time.monotonic() - started


def test_a_drip_fed_gateway_cannot_keep_a_record_past_its_deadline(
    outbound: Outbound, monkeypatch: pytest.MonkeyPatch
) -> None:
    messages = owner_change(outbound)
    # Each answer takes 10 s, a byte every 50 ms: no single read ever waits long.
    with LoopbackHttp(Reply(202, b"{}" + b" " * 198, drip_s=0.05)) as gateway:
        monkeypatch.setenv("ALEXA_EVENT_GATEWAY_URL", f"{gateway.url}/v3/events")
        dependencies.cache_clear()
        failed, elapsed = run(messages, invocation_s=RESERVE_SECONDS + 2.0)
        assert gateway.requests  # the record was tried: it had the time for a call
    assert failed == [m["MessageId"] for m in messages]
    assert elapsed < 2.0 + 0.5, elapsed  # ended by the record's deadline, the reserve untouched


def test_an_attempt_the_time_left_cannot_cover_is_not_started(
    outbound: Outbound, caplog: pytest.LogCaptureFixture
) -> None:
    messages = owner_change(outbound)
    outbound.alexa.gateway.calls.clear()
    outbound.alexa.gateway.faults.fail(500, count=None)
    outbound.alexa.gateway.faults.latency_s = 0.8
    caplog.set_level(logging.INFO)
    failed, elapsed = run(messages, invocation_s=RESERVE_SECONDS + 1.2)
    # One 500 after 0.8 s; 0.4 s left cannot cover a backoff and a call: the record fails now.
    assert outbound.alexa.gateway.calls == {500: 1}
    assert failed == [m["MessageId"] for m in messages]
    assert elapsed < 1.2, elapsed
    assert "too little time left for the record" in logged_text(caplog)


def test_a_wait_for_another_senders_refresh_ends_by_the_deadline(outbound: Outbound) -> None:
    grant = outbound.link(ALICE)
    store = outbound.store
    assert store.take_refresh_lease(grant, time.time(), 60)  # a refresher that hangs
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        AccessTokens(store, outbound.lwa()).refreshed(grant, Deadline(1.0))
    assert time.monotonic() - started < 1.0
    assert outbound.alexa.lwa.calls["refresh_token"] == 0


def test_a_drip_fed_refresh_is_cut_at_the_deadline_and_frees_the_lease(
    outbound: Outbound, monkeypatch: pytest.MonkeyPatch
) -> None:
    grant = outbound.link(ALICE)
    tokens = b'{"access_token": "Atza|late", "expires_in": 3600}'
    with LoopbackHttp(Reply(200, tokens, drip_s=0.1)) as lwa:
        monkeypatch.setenv("LWA_TOKEN_URL", f"{lwa.url}/auth/o2/token")
        started = time.monotonic()
        with pytest.raises(LwaUnavailable):
            AccessTokens(outbound.store, outbound.lwa()).refreshed(grant, Deadline(1.5))
        assert time.monotonic() - started < 1.7
    after = outbound.store.get(ALICE)
    assert after is not None and after.revision == grant.revision and after.lease_until is None
