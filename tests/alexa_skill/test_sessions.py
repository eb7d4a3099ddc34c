"""Alexa.RTCSessionController: InitiateSessionWithOffer, SessionConnected, SessionDisconnected."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest

from functions.alexa_skill.offers import SENDER_ID_MAX, decode_answer, encode_offer, sender_client_id
from functions.alexa_skill.tokens import FileKeySource
from functions.common.registry.store import Device
from localcloud import kvs
from tests.alexa_skill.conftest import (
    ANSWER_SDP,
    DEADLINE_S,
    OFFER_SDP,
    OTHER,
    OWNER,
    Cloud,
    accept_grant,
    discover,
    error_type,
    offer,
    report_state,
    session_event,
)


class RecordingMaster:
    """An in-process MASTER that answers every offer with a fixed SDP and keeps what it got."""

    def __init__(self, answer_sdp: str = ANSWER_SDP) -> None:
        self.answer_sdp = answer_sdp
        self.offers: list[tuple[dict[str, Any], str]] = []

    def __call__(self, offer: dict[str, Any], sender_client_id: str) -> dict[str, Any]:
        self.offers.append((offer, sender_client_id))
        return {"type": "answer", "sdp": self.answer_sdp}


def offers_sent() -> list[kvs.CallRecord]:
    return [c for c in kvs.calls() if c.operation == "SendAlexaOfferToMaster"]


def test_offer_reaches_the_master_and_its_answer_goes_back_verbatim(cloud: Cloud) -> None:
    device = cloud.camera("front-door")
    master = RecordingMaster()
    assert device.channel_arn
    kvs.attach_master(device.channel_arn, master)

    response = cloud.invoke(offer("front-door", cloud.issuer.mint(OWNER), session_id="amzn1.session:42/x"))

    event = response["event"]
    assert event["header"]["namespace"] == "Alexa.RTCSessionController"
    assert event["header"]["name"] == "AnswerGeneratedForSession"
    assert event["header"]["correlationToken"]
    assert event["endpoint"] == {"endpointId": "front-door"}
    assert event["payload"] == {"answer": {"format": "SDP", "value": ANSWER_SDP}}
    ((received, sender),) = master.offers
    assert received == {"type": "offer", "sdp": OFFER_SDP}
    assert sender == sender_client_id("amzn1.session:42/x")
    assert [c.outcome for c in offers_sent()] == ["ok"]


def test_offer_payload_is_base64_json_and_the_answer_sdp_is_decoded() -> None:
    assert json.loads(base64.b64decode(encode_offer("v=0\r\n"))) == {"type": "offer", "sdp": "v=0\r\n"}
    answer = base64.b64encode(json.dumps({"type": "answer", "sdp": "v=1"}).encode()).decode()
    assert decode_answer(answer) == "v=1"


@pytest.mark.parametrize(
    "session_id",
    ["abc", "amzn1.session:42/x", "a:b", "a_b", "ü" * 10, "x" * 300, "x" * 256, ":" * 5],
)
def test_sender_client_id_is_valid_for_kvs(session_id: str) -> None:
    sender = sender_client_id(session_id)
    assert 1 <= len(sender) <= SENDER_ID_MAX
    assert all(c.isascii() and (c.isalnum() or c in "_.-") for c in sender)


def test_sender_client_ids_differ_per_session() -> None:
    sessions = ["a:b", "a_b", "a/b", "x" * 300, "x" * 301, "x" * 256]
    assert len({sender_client_id(s) for s in sessions}) == len(sessions)


def test_another_users_camera_is_no_such_endpoint_and_kvs_is_not_called(cloud: Cloud) -> None:
    device = cloud.camera("bobs-cam", owner=OTHER)
    assert device.channel_arn
    master = RecordingMaster()
    kvs.attach_master(device.channel_arn, master)
    kvs.clear_calls()

    foreign = cloud.invoke(offer("bobs-cam", cloud.issuer.mint(OWNER)))
    unknown = cloud.invoke(offer("no-such-cam", cloud.issuer.mint(OWNER)))

    assert error_type(foreign) == error_type(unknown) == "NO_SUCH_ENDPOINT"
    assert foreign["event"]["payload"] == unknown["event"]["payload"]
    assert offers_sent() == []
    assert kvs.calls() == []
    assert master.offers == []


def test_a_deregistered_camera_is_no_such_endpoint(cloud: Cloud) -> None:
    cloud.camera("gone", status="DEREGISTERED", owner=None)
    assert error_type(cloud.invoke(offer("gone", cloud.issuer.mint(OWNER)))) == "NO_SUCH_ENDPOINT"


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"expires_in": -5}, "EXPIRED_AUTHORIZATION_CREDENTIAL"),
        ({"aud": "another-skill"}, "INVALID_AUTHORIZATION_CREDENTIAL"),
        ({"iss": "https://elsewhere.example"}, "INVALID_AUTHORIZATION_CREDENTIAL"),
    ],
)
def test_bad_tokens(cloud: Cloud, claims: dict[str, Any], expected: str) -> None:
    cloud.camera("front-door")
    kvs.clear_calls()
    response = cloud.invoke(offer("front-door", cloud.issuer.mint(OWNER, **claims)))
    assert error_type(response) == expected
    assert kvs.calls() == []


def test_token_signed_by_another_key_is_invalid(cloud: Cloud, tmp_path: Any) -> None:
    from localcloud.aws.identity import LocalIssuer

    cloud.camera("front-door")
    impostor = LocalIssuer(tmp_path / "impostor")
    response = cloud.invoke(offer("front-door", impostor.mint(OWNER)))
    assert error_type(response) == "INVALID_AUTHORIZATION_CREDENTIAL"


def test_cognito_access_token_with_client_id_instead_of_aud(cloud: Cloud) -> None:
    device = cloud.camera("front-door")
    assert device.channel_arn
    kvs.attach_master(device.channel_arn, RecordingMaster())
    token = cloud.issuer.mint(OWNER, aud=None, client_id=cloud.issuer.audience, token_use="access")
    response = cloud.invoke(offer("front-door", token))
    assert response["event"]["header"]["name"] == "AnswerGeneratedForSession"


def test_master_absent_is_endpoint_unreachable_within_the_deadline(cloud: Cloud) -> None:
    cloud.camera("front-door")
    started = time.monotonic()
    response = cloud.invoke(offer("front-door", cloud.issuer.mint(OWNER)))
    assert error_type(response) == "ENDPOINT_UNREACHABLE"
    assert time.monotonic() - started < DEADLINE_S + 0.3


def test_master_that_never_answers_is_endpoint_unreachable_within_the_deadline(cloud: Cloud) -> None:
    device = cloud.camera("front-door")
    assert device.channel_arn
    release = threading.Event()

    def silent(offer: dict[str, Any], sender: str) -> dict[str, Any]:
        release.wait(DEADLINE_S + 2.0)  # far past the deadline: a skill that waited would show
        raise TimeoutError("no answer")

    kvs.attach_master(device.channel_arn, silent)
    started = time.monotonic()
    response = cloud.invoke(offer("front-door", cloud.issuer.mint(OWNER)))
    elapsed = time.monotonic() - started
    release.set()
    assert error_type(response) == "ENDPOINT_UNREACHABLE"
    # The margin is the invocation's own start and shaping on a loaded 2-core machine.
    assert DEADLINE_S - 0.1 < elapsed < DEADLINE_S + 0.6


def test_slow_kvs_is_endpoint_unreachable_within_the_deadline(cloud: Cloud) -> None:
    device = cloud.camera("front-door")
    assert device.channel_arn
    kvs.attach_master(device.channel_arn, RecordingMaster())
    kvs.inject("SendAlexaOfferToMaster", latency_s=DEADLINE_S + 0.3, times=1)
    started = time.monotonic()
    response = cloud.invoke(offer("front-door", cloud.issuer.mint(OWNER)))
    assert error_type(response) == "ENDPOINT_UNREACHABLE"
    assert time.monotonic() - started < DEADLINE_S + 0.3


@pytest.mark.parametrize("operation", ["SendAlexaOfferToMaster", "GetSignalingChannelEndpoint"])
def test_throttled_kvs_is_rate_limit_exceeded(cloud: Cloud, operation: str) -> None:
    device = cloud.camera("front-door")
    assert device.channel_arn
    kvs.attach_master(device.channel_arn, RecordingMaster())
    kvs.inject(operation, error="ClientLimitExceededException")
    started = time.monotonic()
    response = cloud.invoke(offer("front-door", cloud.issuer.mint(OWNER)))
    assert error_type(response) == "RATE_LIMIT_EXCEEDED"
    assert time.monotonic() - started < DEADLINE_S


def test_quota_of_five_offers_per_second_per_channel_gives_rate_limit_exceeded(cloud: Cloud) -> None:
    device = cloud.camera("front-door")
    assert device.channel_arn
    kvs.attach_master(device.channel_arn, RecordingMaster())
    kvs.enable_quotas()
    token = cloud.issuer.mint(OWNER)
    outcomes = [
        cloud.invoke(offer("front-door", token, session_id=f"s{i}"))["event"]["header"]["name"]
        for i in range(7)
    ]
    assert outcomes[:5] == ["AnswerGeneratedForSession"] * 5
    assert "ErrorResponse" in outcomes[5:]


def test_channel_gone_is_no_such_endpoint(cloud: Cloud) -> None:
    import boto3

    device = cloud.camera("front-door")
    boto3.client("kinesisvideo").delete_signaling_channel(ChannelARN=device.channel_arn)
    response = cloud.invoke(offer("front-door", cloud.issuer.mint(OWNER)))
    assert error_type(response) == "NO_SUCH_ENDPOINT"


def test_camera_without_a_channel_yet_is_endpoint_unreachable(cloud: Cloud) -> None:
    cloud.camera("new-cam", channel=False)
    kvs.clear_calls()
    response = cloud.invoke(offer("new-cam", cloud.issuer.mint(OWNER)))
    assert error_type(response) == "ENDPOINT_UNREACHABLE"
    assert kvs.calls() == []


def test_master_answering_garbage_is_endpoint_unreachable(cloud: Cloud) -> None:
    device = cloud.camera("front-door")
    assert device.channel_arn
    kvs.attach_master(device.channel_arn, lambda offer, sender: {"type": "offer", "sdp": "x"})
    response = cloud.invoke(offer("front-door", cloud.issuer.mint(OWNER)))
    assert error_type(response) == "ENDPOINT_UNREACHABLE"


def test_unexpected_kvs_error_is_internal_error(cloud: Cloud) -> None:
    device = cloud.camera("front-door")
    assert device.channel_arn
    kvs.attach_master(device.channel_arn, RecordingMaster())
    kvs.inject("SendAlexaOfferToMaster", error="NotAuthorizedException", times=1)
    response = cloud.invoke(offer("front-door", cloud.issuer.mint(OWNER)))
    assert error_type(response) == "INTERNAL_ERROR"


def test_warm_offer_makes_two_aws_calls(cloud: Cloud) -> None:
    device = cloud.camera("front-door")
    assert device.channel_arn
    kvs.attach_master(device.channel_arn, RecordingMaster())
    token = cloud.issuer.mint(OWNER)
    cloud.invoke(offer("front-door", token, session_id="cold"))  # fills the caches

    dynamodb_calls: list[str] = []
    cloud.deps.dynamodb.meta.events.register(
        "before-call", lambda model, **_: dynamodb_calls.append(model.name)
    )
    kvs.clear_calls()
    response = cloud.invoke(offer("front-door", token, session_id="warm"))

    assert response["event"]["header"]["name"] == "AnswerGeneratedForSession"
    assert dynamodb_calls == ["GetItem"]
    assert [(c.operation, c.outcome) for c in kvs.calls()] == [("SendAlexaOfferToMaster", "ok")]


def test_stale_cached_endpoint_is_fetched_again_once(cloud: Cloud) -> None:
    device = cloud.camera("front-door")
    assert device.channel_arn
    kvs.attach_master(device.channel_arn, RecordingMaster())
    token = cloud.issuer.mint(OWNER)
    cloud.invoke(offer("front-door", token, session_id="first"))
    kvs.inject("SendAlexaOfferToMaster", error="UnknownOperationException", times=1)
    kvs.clear_calls()

    response = cloud.invoke(offer("front-door", token, session_id="second"))

    assert response["event"]["header"]["name"] == "AnswerGeneratedForSession"
    assert [(c.operation, c.outcome) for c in kvs.calls()] == [
        ("SendAlexaOfferToMaster", "UnknownOperationException"),
        ("GetSignalingChannelEndpoint", "ok"),
        ("SendAlexaOfferToMaster", "ok"),
    ]


def recorded_camera(cloud: Cloud, device_id: str) -> Device:
    """A camera whose registry item holds its channel's VIEWER endpoint, as lifecycle records it."""
    device = cloud.camera(device_id)
    assert device.channel_arn
    endpoints = boto3.client("kinesisvideo").get_signaling_channel_endpoint(
        ChannelARN=device.channel_arn,
        SingleMasterChannelEndpointConfiguration={"Protocols": ["HTTPS"], "Role": "VIEWER"},
    )["ResourceEndpointList"]
    recorded = device.model_copy(update={"viewer_endpoint": endpoints[0]["ResourceEndpoint"]})
    assert cloud.registry.put_if_current(recorded)
    return recorded


def test_cold_offer_with_a_recorded_endpoint_makes_two_aws_calls_and_creates_no_control_plane_client(
    cloud: Cloud,
) -> None:
    device = recorded_camera(cloud, "front-door")
    assert device.channel_arn
    kvs.attach_master(device.channel_arn, RecordingMaster())
    dynamodb_calls: list[str] = []
    cloud.deps.dynamodb.meta.events.register(
        "before-call", lambda model, **_: dynamodb_calls.append(model.name)
    )
    kvs.clear_calls()

    response = cloud.invoke(offer("front-door", cloud.issuer.mint(OWNER)))

    assert response["event"]["header"]["name"] == "AnswerGeneratedForSession"
    assert dynamodb_calls == ["GetItem"]
    assert [(c.operation, c.outcome) for c in kvs.calls()] == [("SendAlexaOfferToMaster", "ok")]
    assert cloud.deps.router.control_clients_made() == 0  # the control plane was never needed


def test_stale_recorded_endpoint_falls_back_to_a_fresh_one(cloud: Cloud) -> None:
    device = recorded_camera(cloud, "front-door")
    assert device.channel_arn
    kvs.attach_master(device.channel_arn, RecordingMaster())
    kvs.inject("SendAlexaOfferToMaster", error="UnknownOperationException", times=1)
    kvs.clear_calls()

    response = cloud.invoke(offer("front-door", cloud.issuer.mint(OWNER)))

    assert response["event"]["header"]["name"] == "AnswerGeneratedForSession"
    assert [(c.operation, c.outcome) for c in kvs.calls()] == [
        ("SendAlexaOfferToMaster", "UnknownOperationException"),
        ("GetSignalingChannelEndpoint", "ok"),
        ("SendAlexaOfferToMaster", "ok"),
    ]


def test_fresh_endpoint_failure_is_not_retried(cloud: Cloud) -> None:
    device = cloud.camera("front-door")
    assert device.channel_arn
    kvs.attach_master(device.channel_arn, RecordingMaster())
    kvs.inject("SendAlexaOfferToMaster", error="UnknownOperationException", times=1)
    kvs.clear_calls()
    response = cloud.invoke(offer("front-door", cloud.issuer.mint(OWNER)))
    assert error_type(response) == "INTERNAL_ERROR"
    assert [c.operation for c in kvs.calls()] == ["GetSignalingChannelEndpoint", "SendAlexaOfferToMaster"]


@pytest.mark.parametrize("name", ["SessionConnected", "SessionDisconnected"])
def test_session_events_echo_only_the_session_id(cloud: Cloud, name: str) -> None:
    cloud.camera("front-door")
    response = cloud.invoke(session_event(name, "front-door", cloud.issuer.mint(OWNER), "sess-9"))
    event = response["event"]
    assert (event["header"]["namespace"], event["header"]["name"]) == ("Alexa.RTCSessionController", name)
    assert event["payload"] == {"sessionId": "sess-9"}
    assert event["endpoint"] == {"endpointId": "front-door"}


@pytest.mark.parametrize("name", ["SessionConnected", "SessionDisconnected"])
def test_session_events_for_someone_elses_camera(cloud: Cloud, name: str) -> None:
    cloud.camera("bobs-cam", owner=OTHER)
    response = cloud.invoke(session_event(name, "bobs-cam", cloud.issuer.mint(OWNER)))
    assert error_type(response) == "NO_SUCH_ENDPOINT"


def test_offer_too_large_for_kvs_is_invalid_directive_without_any_aws_call(cloud: Cloud) -> None:
    device = cloud.camera("front-door")
    assert device.channel_arn
    master = RecordingMaster()
    kvs.attach_master(device.channel_arn, master)
    token = cloud.issuer.mint(OWNER)
    # The largest SDP whose base64 JSON fits in KVS's 10,000-character MessagePayload still goes.
    fits = OFFER_SDP + "a" * (7_500 - len(OFFER_SDP) - 40)
    assert len(encode_offer(fits)) <= 10_000
    assert cloud.invoke(offer("front-door", token, sdp=fits))["event"]["header"]["name"] == (
        "AnswerGeneratedForSession"
    )
    kvs.clear_calls()
    too_large = OFFER_SDP + "a" * 7_500

    response = cloud.invoke(offer("front-door", token, sdp=too_large))

    assert error_type(response) == "INVALID_DIRECTIVE"
    assert response["event"]["endpoint"] == {"endpointId": "front-door"}
    assert kvs.calls() == []
    assert len(master.offers) == 1


def _slow_registry(cloud: Cloud, monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    for operation in ("GetItem", "Query"):
        cloud.deps.dynamodb.meta.events.register(
            f"before-call.dynamodb.{operation}", lambda **_: time.sleep(seconds)
        )


def _slow_key_set(cloud: Cloud, monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    original = FileKeySource.signing_key

    def slow(self: FileKeySource, kid: str, fetch_timeout: float) -> Any:
        time.sleep(seconds)  # as an https JWKS fetch that hangs would
        return original(self, kid, fetch_timeout)

    monkeypatch.setattr(FileKeySource, "signing_key", slow)


def _report_state(token: str) -> dict[str, Any]:
    return report_state("front-door", token)


def _offer(token: str) -> dict[str, Any]:
    return offer("front-door", token)


def _connected(token: str) -> dict[str, Any]:
    return session_event("SessionConnected", "front-door", token)


@pytest.mark.parametrize(
    ("directive", "slow", "expected"),
    [
        (_offer, _slow_registry, "ENDPOINT_UNREACHABLE"),
        (_offer, _slow_key_set, "ENDPOINT_UNREACHABLE"),
        (_connected, _slow_registry, "ENDPOINT_UNREACHABLE"),
        (_connected, _slow_key_set, "ENDPOINT_UNREACHABLE"),
        (_report_state, _slow_registry, "ENDPOINT_UNREACHABLE"),
        (_report_state, _slow_key_set, "ENDPOINT_UNREACHABLE"),
        (accept_grant, _slow_key_set, "ACCEPT_GRANT_FAILED"),
        (discover, _slow_registry, "INTERNAL_ERROR"),
        (discover, _slow_key_set, "INTERNAL_ERROR"),
    ],
)
def test_the_deadline_bounds_the_registry_read_and_the_key_fetch(
    cloud: Cloud,
    monkeypatch: pytest.MonkeyPatch,
    directive: Callable[[str], dict[str, Any]],
    slow: Callable[[Cloud, pytest.MonkeyPatch, float], None],
    expected: str,
) -> None:
    device = cloud.camera("front-door")
    assert device.channel_arn
    kvs.attach_master(device.channel_arn, RecordingMaster())
    event = directive(cloud.issuer.mint(OWNER))
    slow(cloud, monkeypatch, DEADLINE_S + 1.0)
    started = time.monotonic()
    response = cloud.invoke(event)
    assert error_type(response) == expected
    assert time.monotonic() - started < DEADLINE_S + 0.3


class SlowKeySetServer:
    """An identity provider's JWKS over HTTP that takes `delay_s` to answer."""

    def __init__(self, jwks: bytes, delay_s: float) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                time.sleep(delay_s)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(jwks)))
                self.end_headers()
                self.wfile.write(jwks)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = "http://{}:{}/.well-known/jwks.json".format(*self._server.server_address[:2])

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.mark.parametrize("directive", [_offer, discover])
def test_a_slow_key_set_fetch_may_use_the_time_left_in_the_deadline(
    cloud: Cloud, monkeypatch: pytest.MonkeyPatch, directive: Callable[[str], dict[str, Any]]
) -> None:
    # Slower than the connect timeout (at most 1 s), well within the deadline.
    deadline_s, delay_s = 4.0, 2.0
    server = SlowKeySetServer(cloud.issuer.jwks_path.read_bytes(), delay_s)
    monkeypatch.setenv("IDENTITY_JWKS_URL", server.url)
    monkeypatch.setenv("SKILL_DEADLINE_SECONDS", str(deadline_s))
    device = cloud.camera("front-door")
    assert device.channel_arn
    kvs.attach_master(device.channel_arn, RecordingMaster())
    try:
        started = time.monotonic()
        response = cloud.invoke(directive(cloud.issuer.mint(OWNER)))
        elapsed = time.monotonic() - started
    finally:
        server.close()

    assert response["event"]["header"]["name"] in {"AnswerGeneratedForSession", "Discover.Response"}
    assert response["event"]["payload"].get("endpoints", [{}]) != []
    assert delay_s <= elapsed < deadline_s + 0.3
