"""Alexa / ReportState, Alexa.Authorization / AcceptGrant, and directives the skill refuses."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from functions.common.registry.store import Connectivity, event_time_key
from localcloud import kvs
from tests.alexa_skill.conftest import (
    DEADLINE_S,
    OTHER,
    OWNER,
    Cloud,
    accept_grant,
    discover,
    endpoint_directive,
    error_type,
    header,
    report_state,
)

TIME_OF_SAMPLE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def connectivity(response: dict[str, Any]) -> str:
    event = response["event"]
    assert (event["header"]["namespace"], event["header"]["name"]) == ("Alexa", "StateReport")
    assert event["payload"] == {}
    (prop,) = response["context"]["properties"]
    assert (prop["namespace"], prop["name"]) == ("Alexa.EndpointHealth", "connectivity")
    assert TIME_OF_SAMPLE.match(prop["timeOfSample"])
    return str(prop["value"]["value"])


def test_a_connected_camera_with_an_active_channel_is_ok(cloud: Cloud) -> None:
    cloud.camera("front-door", connected_ago=30)
    response = cloud.invoke(report_state("front-door", cloud.issuer.mint(OWNER)))
    assert connectivity(response) == "OK"
    assert response["event"]["endpoint"] == {"endpointId": "front-door"}
    assert response["event"]["header"]["correlationToken"]
    # OK was last confirmed by the connect event 30 s ago, not at the time of the sample.
    uncertainty = response["context"]["properties"][0]["uncertaintyInMilliseconds"]
    assert 29_000 <= uncertainty < 33_000


def test_a_later_check_in_narrows_the_uncertainty(cloud: Cloud) -> None:
    cloud.camera("front-door", connected_ago=600)
    cloud.registry.record_check_in("front-door", int(time.time()) - 2)
    response = cloud.invoke(report_state("front-door", cloud.issuer.mint(OWNER)))
    assert connectivity(response) == "OK"
    assert response["context"]["properties"][0]["uncertaintyInMilliseconds"] < 5_000


def test_never_connected_is_unreachable_without_asking_kvs(cloud: Cloud) -> None:
    cloud.camera("front-door", connected_ago=None)
    cloud.registry.record_check_in("front-door", int(time.time()))  # a check-in alone is no connection
    kvs.clear_calls()
    assert connectivity(cloud.invoke(report_state("front-door", cloud.issuer.mint(OWNER)))) == "UNREACHABLE"
    assert kvs.calls() == []


def test_disconnected_is_unreachable_without_asking_kvs(cloud: Cloud) -> None:
    cloud.camera("front-door", connected_ago=10)
    key = (event_time_key(datetime.now(UTC)), "e-down")
    assert cloud.registry.record_presence("front-door", Connectivity.UNREACHABLE, key, "PHYSICAL_INTERACTION")
    kvs.clear_calls()
    assert connectivity(cloud.invoke(report_state("front-door", cloud.issuer.mint(OWNER)))) == "UNREACHABLE"
    assert kvs.calls() == []


def test_channel_not_active_is_unreachable(cloud: Cloud) -> None:
    kvs.set_creation_delay(60)
    cloud.camera("front-door", connected_ago=1)
    assert connectivity(cloud.invoke(report_state("front-door", cloud.issuer.mint(OWNER)))) == "UNREACHABLE"


def test_no_channel_yet_is_unreachable(cloud: Cloud) -> None:
    cloud.camera("front-door", channel=False, connected_ago=1)
    assert connectivity(cloud.invoke(report_state("front-door", cloud.issuer.mint(OWNER)))) == "UNREACHABLE"


def test_report_state_errors(cloud: Cloud) -> None:
    device = cloud.camera("front-door")
    cloud.camera("bobs-cam", owner=OTHER)
    token = cloud.issuer.mint(OWNER)
    assert error_type(cloud.invoke(report_state("bobs-cam", token))) == "NO_SUCH_ENDPOINT"
    assert error_type(cloud.invoke(report_state("nope", token))) == "NO_SUCH_ENDPOINT"
    expired = cloud.issuer.mint(OWNER, expires_in=-1)
    assert error_type(cloud.invoke(report_state("front-door", expired))) == "EXPIRED_AUTHORIZATION_CREDENTIAL"

    kvs.inject("DescribeSignalingChannel", error="ClientLimitExceededException", times=1)
    assert error_type(cloud.invoke(report_state("front-door", token))) == "RATE_LIMIT_EXCEEDED"

    kvs.inject("DescribeSignalingChannel", latency_s=DEADLINE_S + 0.2, times=1)
    started = time.monotonic()
    assert error_type(cloud.invoke(report_state("front-door", token))) == "ENDPOINT_UNREACHABLE"
    assert time.monotonic() - started < DEADLINE_S + 0.3

    boto3.client("kinesisvideo").delete_signaling_channel(ChannelARN=device.channel_arn)
    assert error_type(cloud.invoke(report_state("front-door", token))) == "NO_SUCH_ENDPOINT"


def test_registry_failure_is_internal_error(cloud: Cloud) -> None:
    boto3.client("dynamodb").delete_table(TableName=cloud.env["REGISTRY_TABLE_NAME"])
    response = cloud.invoke(report_state("front-door", cloud.issuer.mint(OWNER)))
    assert error_type(response) == "INTERNAL_ERROR"


@pytest.mark.parametrize("claims", [{"expires_in": -1}, {"aud": "x"}])
def test_accept_grant_with_a_bad_token_fails_in_the_authorization_namespace(
    cloud: Cloud, claims: dict[str, Any]
) -> None:
    response = cloud.invoke(accept_grant(cloud.issuer.mint(OWNER, **claims)))
    event = response["event"]
    assert event["header"]["namespace"] == "Alexa.Authorization"
    assert error_type(response) == "ACCEPT_GRANT_FAILED"
    assert "endpoint" not in event


def test_malformed_accept_grant_fails_in_the_authorization_namespace(cloud: Cloud) -> None:
    directive = accept_grant(cloud.issuer.mint(OWNER))
    del directive["directive"]["payload"]["grant"]
    response = cloud.invoke(directive)
    assert response["event"]["header"]["namespace"] == "Alexa.Authorization"
    assert error_type(response) == "ACCEPT_GRANT_FAILED"


@pytest.mark.parametrize(("field", "value"), [("payloadVersion", "2"), ("messageId", None)])
def test_accept_grant_with_a_malformed_header_fails_in_the_authorization_namespace(
    cloud: Cloud, field: str, value: str | None
) -> None:
    directive = accept_grant(cloud.issuer.mint(OWNER))
    directive["directive"]["header"][field] = value
    response = cloud.invoke(directive)
    assert response["event"]["header"]["namespace"] == "Alexa.Authorization"
    assert error_type(response) == "ACCEPT_GRANT_FAILED"


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"directive": {}},
        {"directive": {"header": header("Alexa", "ReportState"), "payload": {}}},  # no endpoint
        {"directive": {"header": {**header("Alexa", "ReportState"), "payloadVersion": "2"}, "payload": {}}},
        [],
        "directive",
        None,
    ],
)
def test_malformed_directives_are_invalid_directive(cloud: Cloud, event: Any) -> None:
    assert error_type(cloud.invoke(event)) == "INVALID_DIRECTIVE"


def test_unsupported_directive_is_invalid_directive_and_echoes_what_it_can(cloud: Cloud) -> None:
    cloud.camera("front-door")
    directive = endpoint_directive(
        "Alexa.PowerController", "TurnOn", "front-door", cloud.issuer.mint(OWNER), {}
    )
    response = cloud.invoke(directive)
    assert error_type(response) == "INVALID_DIRECTIVE"
    assert response["event"]["endpoint"] == {"endpointId": "front-door"}
    assert (
        response["event"]["header"]["correlationToken"]
        == directive["directive"]["header"]["correlationToken"]
    )


def test_offer_without_an_sdp_is_invalid_directive(cloud: Cloud) -> None:
    cloud.camera("front-door")
    directive = endpoint_directive(
        "Alexa.RTCSessionController",
        "InitiateSessionWithOffer",
        "front-door",
        cloud.issuer.mint(OWNER),
        {"sessionId": "s", "offer": {"format": "SDP"}},
    )
    assert error_type(cloud.invoke(directive)) == "INVALID_DIRECTIVE"


def test_endpoint_id_with_a_trailing_newline_is_never_echoed(cloud: Cloud) -> None:
    # Python's `$` also matches before a final newline; Alexa (and our response model) do not.
    directive = endpoint_directive("Alexa", "ReportState", "front-door\n", cloud.issuer.mint(OWNER), {})
    del directive["directive"]["header"]["messageId"]  # malformed, so the endpoint is salvaged
    response = cloud.invoke(directive)
    assert error_type(response) == "INVALID_DIRECTIVE"
    assert "endpoint" not in response["event"]


def test_discovery_leaves_out_an_id_with_a_trailing_newline(cloud: Cloud) -> None:
    cloud.camera("front-door", channel=False)
    cloud.camera("back-door\n", channel=False)
    response = cloud.invoke(discover(cloud.issuer.mint(OWNER)))
    assert [e["endpointId"] for e in response["event"]["payload"]["endpoints"]] == ["front-door"]
