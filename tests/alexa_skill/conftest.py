"""Fixtures for the skill: a local issuer, seeded cameras, in-process masters, schema checks."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import boto3
import pytest
from pydantic import BaseModel

from functions.alexa_skill.account_routes import Context, DiscoverResponsePayload, EmptyPayload
from functions.alexa_skill.dependencies import Dependencies, dependencies
from functions.alexa_skill.handler import handler
from functions.alexa_skill.messages import AlexaResponse, AnswerPayload, SessionEventPayload
from functions.common.alexa.envelope import ErrorPayload
from functions.common.registry.store import Connectivity, Device, Registry, event_time_key
from localcloud.aws.identity import LocalIssuer
from localcloud.aws.lambda_context import LambdaContext

# Short enough to keep the deadline tests quick, long enough for a cold first call on a busy CI box.
DEADLINE_S = 1.5
SCHEMA_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "alexa-smarthome"
SCHEMA_FILE = SCHEMA_DIR / "validation_schemas" / "alexa_smart_home_message_schema.json"
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
OWNER = "user-alice"
OTHER = "user-bob"
OFFER_SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
ANSWER_SDP = "v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=camera\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"


@cache
def schema_validator() -> Any:
    import jsonschema

    schema = json.loads(SCHEMA_FILE.read_text())
    return jsonschema.Draft4Validator(schema)


# Each response's payload model, by the response's name (the response model takes any payload).
RESPONSE_PAYLOADS: dict[str, type[BaseModel]] = {
    "AnswerGeneratedForSession": AnswerPayload,
    "SessionConnected": SessionEventPayload,
    "SessionDisconnected": SessionEventPayload,
    "Discover.Response": DiscoverResponsePayload,
    "StateReport": EmptyPayload,
    "AcceptGrant.Response": EmptyPayload,
    "ErrorResponse": ErrorPayload,
}


def assert_valid_response(response: dict[str, Any]) -> None:
    """The exact shape: our pydantic models round-trip it (the envelope, the payload its name calls
    for, the context), and the official schema accepts it."""
    parsed = AlexaResponse.model_validate(response)
    payload = RESPONSE_PAYLOADS[response["event"]["header"]["name"]].model_validate(
        response["event"]["payload"]
    )
    context = response.get("context")
    rebuilt = parsed.model_copy(
        update={
            "event": parsed.event.model_copy(update={"payload": payload}),
            "context": None if context is None else Context.model_validate(context),
        }
    )
    assert rebuilt.to_dict() == response
    header = response["event"]["header"]
    assert header["payloadVersion"] == "3"
    assert UUID4.fullmatch(header["messageId"]), header["messageId"]
    if SCHEMA_FILE.exists():
        errors = sorted(schema_validator().iter_errors(response), key=str)
        assert not errors, errors[0].message


@pytest.fixture
def official_schema() -> None:
    if not SCHEMA_FILE.exists():
        pytest.skip(f"official Alexa schema not found at {SCHEMA_FILE} (needs ../shared/reference)")


@pytest.fixture(scope="session")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> LocalIssuer:
    # One key pair per test process: generating RSA keys is the slow part.
    return LocalIssuer(tmp_path_factory.mktemp("identity"))


@pytest.fixture(scope="session", autouse=True)
def _warm_botocore_models() -> None:
    """Load the service models once, so a test's first (cold) directive is not timed on it."""
    for service in ("dynamodb", "kinesisvideo", "kinesis-video-signaling"):
        boto3.client(service, region_name="us-east-1", endpoint_url="https://warm-up.invalid")


@dataclass
class Cloud:
    env: dict[str, str]
    issuer: LocalIssuer
    registry: Registry

    def invoke(self, event: Any) -> dict[str, Any]:
        response = handler(event, LambdaContext("alexa-skill"))
        assert_valid_response(response)
        return response

    @property
    def deps(self) -> Dependencies:
        return dependencies()

    def channel(self, device_id: str) -> str:
        kvs = boto3.client("kinesisvideo")
        name = f"{self.env['CHANNEL_NAME_PREFIX']}{device_id}"
        return str(kvs.create_signaling_channel(ChannelName=name)["ChannelARN"])

    def camera(
        self,
        device_id: str,
        owner: str = OWNER,
        *,
        channel: bool = True,
        connected_ago: int | None = 5,
        **fields: Any,
    ) -> Device:
        """Seed a camera as the lifecycle function would leave it (channel, then registry item),
        then connected `connected_ago` seconds ago as the presence function records it."""
        device = Device(
            device_id=device_id,
            owner_id=owner,
            channel_name=f"{self.env['CHANNEL_NAME_PREFIX']}{device_id}",
            channel_arn=self.channel(device_id) if channel else None,
            last_event_time="2030-01-01T00:00:00.000000Z",
            last_event_id=str(uuid.uuid4()),
            **fields,
        )
        assert self.registry.put_if_newer(device)
        if connected_ago is not None and device.is_active:
            at = datetime.now(UTC) - timedelta(seconds=connected_ago)
            key = (event_time_key(at), str(uuid.uuid4()))
            connected = int(at.timestamp())
            assert self.registry.record_presence(
                device_id, Connectivity.OK, key, "PHYSICAL_INTERACTION", connected_at=connected
            )
        return device


@pytest.fixture
def cloud(cloud_env: dict[str, str], issuer: LocalIssuer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cloud]:
    from localcloud import kvs

    for key, value in issuer.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SKILL_DEADLINE_SECONDS", str(DEADLINE_S))
    kvs.reset_faults()
    kvs.reset_settings()
    # An offer nobody answers ends soon after the deadline, before the mock is torn down.
    kvs.set_offer_wait_cap(DEADLINE_S + 0.5)
    kvs.clear_calls()
    dependencies.cache_clear()
    yield Cloud(env=cloud_env, issuer=issuer, registry=Registry(cloud_env["REGISTRY_TABLE_NAME"]))
    dependencies().close()
    dependencies.cache_clear()
    kvs.reset_faults()
    kvs.reset_settings()


# --- directives ---------------------------------------------------------------------------


def header(namespace: str, name: str, correlation: bool = True) -> dict[str, Any]:
    h = {"namespace": namespace, "name": name, "payloadVersion": "3", "messageId": str(uuid.uuid4())}
    if correlation:
        h["correlationToken"] = "dFMb0z+PgpgdDmluhJ1LddFvSqZ/jCc8ptlAKulUj90jSqg=="
    return h


def scope(token: str) -> dict[str, str]:
    return {"type": "BearerToken", "token": token}


def discover(token: str) -> dict[str, Any]:
    return {
        "directive": {
            "header": header("Alexa.Discovery", "Discover", correlation=False),
            "payload": {"scope": scope(token)},
        }
    }


def endpoint_directive(
    namespace: str, name: str, endpoint_id: str, token: str, payload: dict[str, Any]
) -> dict[str, Any]:
    return {
        "directive": {
            "header": header(namespace, name),
            "endpoint": {"endpointId": endpoint_id, "scope": scope(token), "cookie": {}},
            "payload": payload,
        }
    }


def offer(
    endpoint_id: str, token: str, session_id: str = "session-1", sdp: str = OFFER_SDP
) -> dict[str, Any]:
    return endpoint_directive(
        "Alexa.RTCSessionController",
        "InitiateSessionWithOffer",
        endpoint_id,
        token,
        {"sessionId": session_id, "offer": {"format": "SDP", "value": sdp}},
    )


def session_event(name: str, endpoint_id: str, token: str, session_id: str = "session-1") -> dict[str, Any]:
    return endpoint_directive(
        "Alexa.RTCSessionController", name, endpoint_id, token, {"sessionId": session_id}
    )


def report_state(endpoint_id: str, token: str) -> dict[str, Any]:
    return endpoint_directive("Alexa", "ReportState", endpoint_id, token, {})


def accept_grant(token: str, code: str = "ANUbUKCJqlBOpMhwYWxU") -> dict[str, Any]:
    return {
        "directive": {
            "header": header("Alexa.Authorization", "AcceptGrant", correlation=False),
            "payload": {
                "grant": {"type": "OAuth2.AuthorizationCode", "code": code},
                "grantee": scope(token),
            },
        }
    }


def error_type(response: dict[str, Any]) -> str:
    event = response["event"]
    assert event["header"]["name"] == "ErrorResponse", event
    return str(event["payload"]["type"])
