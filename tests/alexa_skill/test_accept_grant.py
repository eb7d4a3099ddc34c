"""AcceptGrant exchanges the grant code at (emulated) Login with Amazon and stores the grant."""

from __future__ import annotations

import json
import logging
import time

import boto3
import pytest

from functions.common import aws_clients
from functions.common.alexa.grants import GrantStore, StoredGrant
from localcloud.alexa.cloud import AlexaCloud
from tests.alexa_skill.conftest import DEADLINE_S, OWNER, Cloud, accept_grant, error_type
from tests.common.loopback_http import LoopbackHttp, Reply
from tests.conftest import logged_text


def stored(cloud: Cloud) -> StoredGrant | None:
    return GrantStore(cloud.env["GRANTS_TABLE_NAME"], aws_clients.client("dynamodb")).get(OWNER)


def test_a_grant_code_is_exchanged_and_the_tokens_stored(cloud: Cloud, alexa_cloud: AlexaCloud) -> None:
    response = cloud.invoke(accept_grant(cloud.issuer.mint(OWNER), alexa_cloud.lwa.issue_code(OWNER)))
    event = response["event"]
    assert (event["header"]["namespace"], event["header"]["name"]) == (
        "Alexa.Authorization",
        "AcceptGrant.Response",
    )
    assert event["payload"] == {}
    grant = stored(cloud)
    assert grant is not None
    assert alexa_cloud.lwa.user_of(grant.access_token.get_secret_value()) == OWNER
    assert grant.refresh_token.get_secret_value().startswith("Atzr|")


def test_a_second_grant_replaces_the_first(cloud: Cloud, alexa_cloud: AlexaCloud) -> None:
    cloud.invoke(accept_grant(cloud.issuer.mint(OWNER), alexa_cloud.lwa.issue_code(OWNER)))
    first = stored(cloud)
    cloud.invoke(accept_grant(cloud.issuer.mint(OWNER), alexa_cloud.lwa.issue_code(OWNER)))
    second = stored(cloud)
    assert first is not None and second is not None
    assert second.revision != first.revision
    assert second.refresh_token != first.refresh_token


def test_a_used_code_fails_and_keeps_the_stored_grant(cloud: Cloud, alexa_cloud: AlexaCloud) -> None:
    code = alexa_cloud.lwa.issue_code(OWNER)
    cloud.invoke(accept_grant(cloud.issuer.mint(OWNER), code))
    before = stored(cloud)
    response = cloud.invoke(accept_grant(cloud.issuer.mint(OWNER), code))
    assert error_type(response) == "ACCEPT_GRANT_FAILED"
    assert stored(cloud) == before


def test_an_expired_code_fails(cloud: Cloud, alexa_cloud: AlexaCloud) -> None:
    alexa_cloud.lwa.code_ttl_s = -1
    response = cloud.invoke(accept_grant(cloud.issuer.mint(OWNER), alexa_cloud.lwa.issue_code(OWNER)))
    assert error_type(response) == "ACCEPT_GRANT_FAILED"
    assert stored(cloud) is None


@pytest.mark.parametrize("status", [401, 429, 500])
def test_lwa_failing_answers_accept_grant_failed_and_stores_nothing(
    cloud: Cloud, alexa_cloud: AlexaCloud, status: int
) -> None:
    alexa_cloud.lwa.faults.fail(status)
    response = cloud.invoke(accept_grant(cloud.issuer.mint(OWNER), alexa_cloud.lwa.issue_code(OWNER)))
    assert response["event"]["header"]["namespace"] == "Alexa.Authorization"
    assert error_type(response) == "ACCEPT_GRANT_FAILED"
    assert stored(cloud) is None


def test_lwa_down_answers_accept_grant_failed(cloud: Cloud) -> None:
    # LWA_TOKEN_URL points at the discard port: the connection is refused.
    response = cloud.invoke(accept_grant(cloud.issuer.mint(OWNER), "ANUnever-issued"))
    assert error_type(response) == "ACCEPT_GRANT_FAILED"
    assert stored(cloud) is None


def test_wrong_client_credentials_fail(cloud: Cloud, alexa_cloud: AlexaCloud) -> None:
    boto3.client("secretsmanager").put_secret_value(
        SecretId=cloud.env["ALEXA_CLIENT_SECRET_ID"],
        SecretString='{"clientId": "amzn1.application-oa2-client.localcloud", "clientSecret": "wrong"}',
    )
    response = cloud.invoke(accept_grant(cloud.issuer.mint(OWNER), alexa_cloud.lwa.issue_code(OWNER)))
    assert error_type(response) == "ACCEPT_GRANT_FAILED"
    assert stored(cloud) is None


def test_the_grant_code_and_tokens_never_reach_a_log_line(
    cloud: Cloud, alexa_cloud: AlexaCloud, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    code = alexa_cloud.lwa.issue_code(OWNER)
    cloud.invoke(accept_grant(cloud.issuer.mint(OWNER), code))
    cloud.invoke(accept_grant(cloud.issuer.mint(OWNER), code))  # the failing reuse logs too
    grant = stored(cloud)
    assert grant is not None
    logs = logged_text(caplog)
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=cloud.env["ALEXA_CLIENT_SECRET_ID"])
    for value in (
        code,
        grant.access_token.get_secret_value(),
        grant.refresh_token.get_secret_value(),
        secret["SecretString"].split('"clientSecret": "')[1].rstrip('"}'),
    ):
        assert value not in logs
    assert "grant stored" in logs


def test_a_slow_lwa_answer_stores_nothing_after_accept_grant_failed(
    cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A valid token answer, a byte every 30 ms (about 2.5 s in all): each read is quick.
    tokens = b'{"access_token": "Atza|late", "refresh_token": "Atzr|late", "expires_in": 3600}'
    with LoopbackHttp(Reply(200, tokens, drip_s=0.03)) as lwa:
        monkeypatch.setenv("LWA_TOKEN_URL", f"{lwa.url}/auth/o2/token")
        started = time.monotonic()
        response = cloud.invoke(accept_grant(cloud.issuer.mint(OWNER), "ANUslow-code"))
        assert error_type(response) == "ACCEPT_GRANT_FAILED"
        assert time.monotonic() - started < DEADLINE_S + 0.3
        assert len(lwa.requests) == 1
        # Past the moment the whole answer would have arrived: still nothing stored.
        time.sleep(max(0.0, started + len(tokens) * 0.03 + 0.5 - time.monotonic()))
    cloud.deps.close()  # the AcceptGrant worker has finished
    assert stored(cloud) is None


def test_a_malformed_client_secret_fails_accept_grant_without_quoting_it(
    cloud: Cloud, alexa_cloud: AlexaCloud, caplog: pytest.LogCaptureFixture
) -> None:
    value = "pQ7vX2kLm9ZtR4wYb8NcJ1hFs6DgA3eU"
    boto3.client("secretsmanager").put_secret_value(
        SecretId=cloud.env["ALEXA_CLIENT_SECRET_ID"],
        SecretString=json.dumps({"clientId": "amzn1.application-oa2-client.x", "clientSecrets": value}),
    )
    caplog.set_level(logging.DEBUG)
    response = cloud.invoke(accept_grant(cloud.issuer.mint(OWNER), alexa_cloud.lwa.issue_code(OWNER)))
    assert error_type(response) == "ACCEPT_GRANT_FAILED"
    cloud.deps.close()
    logs = logged_text(caplog) + "".join(r.exc_text or "" for r in caplog.records)
    for part in (value[i : i + 6] for i in range(len(value) - 5)):
        assert part not in logs
    assert "client credentials" in logs
