"""Every gateway and LWA answer the events function meets, against the emulations on loopback."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from typing import Any

import boto3
import pytest
from pydantic import SecretStr

from functions.alexa_events.gateway import EventGateway, GatewayBusy
from functions.alexa_events.tokens import AccessTokens, RefreshPending
from functions.common import aws_clients
from functions.common.alexa.grants import GrantStore
from functions.common.deadline import Deadline
from tests.alexa_events.conftest import ALICE, Outbound
from tests.conftest import logged_text

pytestmark = pytest.mark.usefixtures("official_schema")


class AtomicRequests:
    """A DynamoDB client whose requests run one at a time, as DynamoDB serializes item writes."""

    _lock = threading.Lock()

    def __init__(self, client: Any) -> None:
        self._client = client
        self.exceptions = client.exceptions

    def __getattr__(self, name: str) -> Any:
        call = getattr(self._client, name)

        def atomic(**kwargs: Any) -> Any:
            with self._lock:
                return call(**kwargs)

        return atomic


def registered(outbound: Outbound, device_id: str = "cam-1") -> None:
    outbound.lifecycle("DeviceRegistered", device_id, 0, ALICE, friendlyName="Front door")


def test_an_expired_token_at_the_gateway_is_refreshed_once_and_the_event_resent(outbound: Outbound) -> None:
    before = outbound.link(ALICE)
    outbound.alexa.lwa.expire_access_tokens(ALICE)  # our stored expiry still says fresh
    registered(outbound)
    assert outbound.deliver() == []
    assert set(outbound.alexa.gateway.endpoints(ALICE)) == {"cam-1"}
    assert outbound.alexa.gateway.calls == {401: 1, 202: 1}
    assert outbound.alexa.lwa.calls["refresh_token"] == 1
    after = outbound.store.get(ALICE)
    assert after is not None and after.revision != before.revision
    # LWA did not rotate the refresh token: the stored one is kept.
    assert after.refresh_token == before.refresh_token


def test_a_token_near_its_expiry_is_refreshed_before_sending(outbound: Outbound) -> None:
    outbound.alexa.lwa.token_ttl_s = 200  # within the refresh margin from the start
    outbound.alexa.lwa.rotate_refresh_tokens = True
    before = outbound.link(ALICE)
    registered(outbound)
    assert outbound.deliver() == []
    assert outbound.alexa.gateway.calls == {202: 1}
    assert outbound.alexa.lwa.calls["refresh_token"] == 1
    after = outbound.store.get(ALICE)
    assert after is not None and after.refresh_token != before.refresh_token  # the new one is kept


def test_two_senders_with_a_stale_token_refresh_once(outbound: Outbound) -> None:
    outbound.alexa.lwa.token_ttl_s = 200  # stale from the start (within the refresh margin)
    outbound.link(ALICE)
    outbound.alexa.lwa.token_ttl_s = 3600  # a refreshed token is fresh, even for a late reader
    outbound.alexa.lwa.faults.latency_s = 0.5  # both find the token stale before either finishes
    # DynamoDB applies each conditional write atomically; moto in process checks and writes
    # without a lock, so two threads could both pass a condition. One request at a time restores
    # DynamoDB's guarantee (the code under test is unchanged).
    deps = GrantStore(outbound.env["GRANTS_TABLE_NAME"], AtomicRequests(aws_clients.client("dynamodb")))
    lwa = outbound.lwa()
    barrier = threading.Barrier(2)
    tokens: list[str] = []

    def sender() -> None:
        barrier.wait()
        tokens.append(AccessTokens(deps, lwa).current(ALICE, Deadline(10)).access_token.get_secret_value())

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outbound.alexa.lwa.calls["refresh_token"] == 1
    assert len(tokens) == 2 and tokens[0] == tokens[1]


def test_a_refresh_never_overwrites_a_newer_grant(outbound: Outbound) -> None:
    old = outbound.link(ALICE)
    store = outbound.store
    assert store.take_refresh_lease(old, time.time(), 10)
    tokens = outbound.lwa().refresh(old.refresh_token, Deadline(5))
    new = outbound.link(ALICE)  # the user links again while the refresh is in flight
    assert not store.store_refreshed(old, tokens, time.time())
    assert store.get(ALICE) == new


def test_a_sender_waiting_on_a_stuck_refresh_gives_up_for_a_redelivery(outbound: Outbound) -> None:
    grant = outbound.link(ALICE)
    store = outbound.store
    assert store.take_refresh_lease(grant, time.time(), 60)  # a refresher that hangs
    clock = iter(range(0, 10**6, 5))
    tokens = AccessTokens(
        store, outbound.lwa(), clock=lambda: time.time() + next(clock), sleep=lambda _: None
    )
    with pytest.raises(RefreshPending):
        tokens.refreshed(grant, Deadline())
    assert outbound.alexa.lwa.calls["refresh_token"] == 0


@pytest.mark.parametrize(
    "code", ["SKILL_DISABLED_EXCEPTION", "SKILL_NEVER_ENABLED_EXCEPTION", "INSUFFICIENT_PERMISSION_EXCEPTION"]
)
def test_a_user_who_unlinked_loses_the_grant_and_is_not_retried(outbound: Outbound, code: str) -> None:
    outbound.link(ALICE)
    outbound.alexa.gateway.faults.fail(403, code=code)
    registered(outbound)
    assert outbound.deliver() == []
    assert outbound.alexa.gateway.calls == {403: 1}
    assert outbound.store.get(ALICE) is None
    registered(outbound, "cam-2")
    assert outbound.deliver() == []  # now an owner without a grant: skipped
    assert outbound.alexa.gateway.calls == {403: 1}


def test_a_disabled_skill_answers_403(outbound: Outbound) -> None:
    outbound.link(ALICE)
    outbound.alexa.gateway.disabled.add(ALICE)
    registered(outbound)
    assert outbound.deliver() == []
    assert outbound.store.get(ALICE) is None


@pytest.mark.parametrize("status", [429, 500])
def test_a_busy_gateway_is_retried_within_the_invocation(outbound: Outbound, status: int) -> None:
    outbound.link(ALICE)
    outbound.alexa.gateway.faults.fail(status, count=2)
    registered(outbound)
    assert outbound.deliver() == []
    assert outbound.alexa.gateway.calls == {status: 2, 202: 1}


def test_a_gateway_busy_beyond_the_retries_leaves_the_record_to_sqs(outbound: Outbound) -> None:
    outbound.link(ALICE)
    outbound.alexa.gateway.faults.fail(500, count=None)
    registered(outbound)
    messages = outbound.queued()
    assert outbound.send(messages) == [m["MessageId"] for m in messages]
    outbound.alexa.gateway.faults.clear()
    assert outbound.send(messages) == []  # the redelivery succeeds
    assert set(outbound.alexa.gateway.endpoints(ALICE)) == {"cam-1"}


def test_another_4xx_is_a_defect_and_fails_the_record(outbound: Outbound) -> None:
    outbound.link(ALICE)
    outbound.alexa.gateway.faults.fail(400)
    registered(outbound)
    messages = outbound.queued()
    assert outbound.send(messages) == [m["MessageId"] for m in messages]
    assert outbound.alexa.gateway.calls == {400: 1}  # no retry within the invocation


def test_a_gateway_timeout_is_busy(outbound: Outbound) -> None:
    outbound.alexa.gateway.faults.latency_s = 1.0
    gateway = EventGateway(os.environ["ALEXA_EVENT_GATEWAY_URL"], timeout=0.2)
    with pytest.raises(GatewayBusy):
        gateway.send(SecretStr("Atza|x"), {"event": {}}, Deadline(5))


def test_lwa_down_during_a_refresh_leaves_the_record_and_the_grant(outbound: Outbound) -> None:
    before = outbound.link(ALICE)
    outbound.alexa.lwa.expire_access_tokens(ALICE)
    outbound.alexa.lwa.faults.fail(500, count=None)
    registered(outbound)
    messages = outbound.queued()
    assert outbound.send(messages) == [m["MessageId"] for m in messages]
    assert outbound.store.get(ALICE) == before  # and no lease left behind
    outbound.alexa.lwa.faults.clear()
    assert outbound.send(messages) == []
    assert set(outbound.alexa.gateway.endpoints(ALICE)) == {"cam-1"}


def test_a_revoked_refresh_token_deletes_the_grant(outbound: Outbound) -> None:
    outbound.link(ALICE)
    outbound.alexa.lwa.revoke(ALICE)
    registered(outbound)
    assert outbound.deliver() == []
    assert outbound.store.get(ALICE) is None
    assert outbound.sent() == []


def test_no_token_or_client_secret_in_any_log_line(
    outbound: Outbound, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    first = outbound.link(ALICE)
    outbound.alexa.lwa.expire_access_tokens(ALICE)
    registered(outbound)
    outbound.alexa.gateway.faults.fail(429)
    assert outbound.deliver() == []
    outbound.alexa.gateway.faults.fail(400)
    outbound.lifecycle("DeviceDeregistered", "cam-1", 10, ALICE)
    outbound.deliver()
    latest = outbound.store.get(ALICE)
    assert latest is not None
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=outbound.env["ALEXA_CLIENT_SECRET_ID"])
    client_secret = json.loads(secret["SecretString"])["clientSecret"]
    logs = logged_text(caplog)
    for value in (
        first.access_token.get_secret_value(),
        latest.access_token.get_secret_value(),
        latest.refresh_token.get_secret_value(),
        client_secret,
    ):
        assert value not in logs
    assert "gateway busy" in logs and "gateway refused the event" in logs


MALFORMED_SECRETS = [
    '{"clientId": "amzn1.application-oa2-client.x", "clientSecrett": "%s"}',  # a misspelt key
    '{"clientId": "%s"}',  # a missing field
    '{"clientId": "amzn1.application-oa2-client.x", "clientSecret": ["%s"]}',  # a wrong type
    '{"clientId": "amzn1.application-oa2-client.x", "clientSecret": "%s"',  # not JSON
]


def secret_parts(secret: str) -> list[str]:
    """Every 6 characters in a row of `secret`: no part of it may be logged."""
    return [secret[i : i + 6] for i in range(len(secret) - 5)]


@pytest.mark.parametrize("template", MALFORMED_SECRETS)
def test_a_malformed_client_secret_fails_without_quoting_it_at_any_level(
    outbound: Outbound, caplog: pytest.LogCaptureFixture, template: str
) -> None:
    outbound.link(ALICE)
    outbound.alexa.lwa.expire_access_tokens(ALICE)  # the gateway's 401 makes the events function refresh
    value = "pQ7vX2kLm9ZtR4wYb8NcJ1hFs6DgA3eU"
    boto3.client("secretsmanager").put_secret_value(
        SecretId=outbound.env["ALEXA_CLIENT_SECRET_ID"], SecretString=template % value
    )
    caplog.set_level(logging.DEBUG)
    registered(outbound)
    messages = outbound.queued()
    assert outbound.send(messages) == [m["MessageId"] for m in messages]  # fails, for a redelivery
    logs = logged_text(caplog) + "".join(r.exc_text or "" for r in caplog.records)
    for part in secret_parts(value):
        assert part not in logs
    assert "client credentials" in logs
