"""What each function needs to run once in the emulated cloud: seeded state, extra environment,
an event, and a check that the invocation did its job (a benchmark of a failing call is void).

A scenario works in process and against a moto server alike: it seeds through the default boto3
session, which follows AWS_ENDPOINT_URL.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.fleet import OWNER, Fleet

Check = Callable[[Any], str | None]  # None when the response is right, else what is wrong


@dataclass
class Invocation:
    event: dict[str, Any]
    check: Check
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Function:
    name: str
    module: str  # the handler module; its `handler` is the entry point
    prepare: Callable[[dict[str, str]], Invocation]

    def available(self) -> bool:
        return importlib.util.find_spec(self.module) is not None


def _status_check(expected: int) -> Check:
    def check(response: Any) -> str | None:
        status = response.get("statusCode") if isinstance(response, dict) else None
        return None if status == expected else f"status {status}, expected {expected}"

    return check


def device_config(env: dict[str, str]) -> Invocation:
    from localcloud.aws.invoke import http_api_event

    device = Fleet(env).one()
    return Invocation(
        event=http_api_event(device.device_id, "GET", "/config", None), check=_status_check(200)
    )


ANSWER_SDP = (
    "v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=bench-camera\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
)
OFFER_SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
IDENTITY_DIR = Path(__file__).resolve().parent.parent / ".bench-cache" / "identity"


def instant_answer(offer: dict[str, Any], sender_client_id: str) -> dict[str, Any]:
    """A master that answers at once, so the figures are the skill's and the emulation's."""
    return {"type": "answer", "sdp": ANSWER_SDP}


def answer_check(response: Any) -> str | None:
    from localcloud.alexa.simulator import error_type, event_name

    name = event_name(response)
    return None if name == "AnswerGeneratedForSession" else f"{name} {error_type(response)}"


@dataclass
class LiveView:
    """A camera with an instantly answering master, and a token of its owner."""

    device_id: str
    token: str
    env: dict[str, str]
    channel_arn: str
    viewer_endpoint: str | None

    def offer(self) -> dict[str, Any]:
        from localcloud.alexa.simulator import initiate_session

        return initiate_session(self.token, self.device_id, f"session-{uuid.uuid4()}", OFFER_SDP)


def live_view(env: dict[str, str], *, record_endpoint: bool = True) -> LiveView:
    from localcloud import kvs
    from localcloud.aws.identity import LocalIssuer

    issuer = LocalIssuer(IDENTITY_DIR)
    device = Fleet(env).one(record_endpoint=record_endpoint)
    assert device.channel_arn is not None
    kvs.attach_master(device.channel_arn, instant_answer)
    return LiveView(
        device.device_id, issuer.mint(OWNER), issuer.env(), device.channel_arn, device.viewer_endpoint
    )


def alexa_skill(env: dict[str, str]) -> Invocation:
    view = live_view(env)
    return Invocation(event=view.offer(), check=answer_check, env=view.env)


def alexa_skill_without_endpoint(env: dict[str, str]) -> Invocation:
    """A registry item written before the lifecycle recorded endpoints: one more call, one more client."""
    view = live_view(env, record_endpoint=False)
    return Invocation(event=view.offer(), check=answer_check, env=view.env)


def floor(env: dict[str, str]) -> Invocation:
    """What no InitiateSessionWithOffer can avoid: the registry read and the offer, through two
    clients with botocore's defaults, on a camera whose item holds its endpoint."""
    from functions.alexa_skill.offers import encode_offer

    view = live_view(env)
    assert view.viewer_endpoint is not None
    spec = {
        "table": env["REGISTRY_TABLE_NAME"],
        "device_id": view.device_id,
        "channel_arn": view.channel_arn,
        "endpoint": view.viewer_endpoint,
        "payload": encode_offer(OFFER_SDP),
    }

    def check(response: Any) -> str | None:
        return None if isinstance(response, str) and response else f"no answer: {describe(response)}"

    return Invocation(event=spec, check=check)


def sqs_batch(events: list[dict[str, Any]], region: str) -> dict[str, Any]:
    """The SQS event source mapping's event for these EventBridge events (first delivery)."""
    from localcloud.aws.invoke import sqs_event

    messages = []
    for body in map(json.dumps, events):
        messages.append(
            {
                "MessageId": str(uuid.uuid4()),
                "ReceiptHandle": uuid.uuid4().hex,
                "Body": body,
                "Attributes": {"ApproximateReceiveCount": "1"},
                "MD5OfBody": hashlib.md5(body.encode()).hexdigest(),  # noqa: S324 (SQS's checksum)
            }
        )
    return sqs_event(messages, f"arn:aws:sqs:{region}:123456789012:device-lifecycle", region)


def registration(env: dict[str, str], device_id: str) -> dict[str, Any]:
    from localcloud.aws.device_events import device_event

    detail = {"deviceId": device_id, "ownerId": OWNER, "friendlyName": f"Camera {device_id}"}
    return device_event("DeviceRegistered", detail, source=env["DEVICE_EVENT_SOURCE"])


def batch_check(response: Any) -> str | None:
    failures = response.get("batchItemFailures") if isinstance(response, dict) else None
    return None if failures == [] else f"batch failures: {failures}"


def device_lifecycle(env: dict[str, str]) -> Invocation:
    event = registration(env, f"new-{uuid.uuid4().hex[:12]}")
    return Invocation(event=sqs_batch([event], env["AWS_DEFAULT_REGION"]), check=batch_check)


def tag_rotation(env: dict[str, str]) -> Invocation:
    from localcloud.aws.invoke import scheduled_event

    def check(response: Any) -> str | None:
        ok = isinstance(response, dict) and response.get("complete") and not response.get("failed")
        return None if ok else describe(response)

    return Invocation(event=scheduled_event(env["AWS_DEFAULT_REGION"]), check=check)


FUNCTIONS = [
    Function("alexa_skill", "functions.alexa_skill.handler", alexa_skill),
    Function(
        "alexa_skill (item without endpoint)", "functions.alexa_skill.handler", alexa_skill_without_endpoint
    ),
    Function("device_lifecycle", "functions.device_lifecycle.handler", device_lifecycle),
    Function("tag_rotation", "functions.tag_rotation.handler", tag_rotation),
    Function("device_config", "functions.device_config.handler", device_config),
]


def by_name(name: str) -> Function:
    return next(f for f in FUNCTIONS if f.name == name)


def describe(response: Any) -> str:
    """A short, SDP-free description of a response for error messages."""
    return json.dumps(response, default=str)[:200]
