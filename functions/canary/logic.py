"""One synthetic live view against one canary camera, step by step, as Alexa and a camera would.

The canary connects as the camera's MASTER (device config's endpoints and credentials), sends the
skill an InitiateSessionWithOffer for that camera with the canary owner's token, answers the offer
that arrives on its connection, and checks that the skill returns exactly that answer. Each step's
outcome and duration is recorded; the first failure ends the run and names its step.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from functions.canary.camera_config import CameraConfig
from functions.canary.master import Answerer, CanaryMaster
from functions.canary.sdp import minimal_answer
from functions.canary.skill import SkillInvoker
from functions.canary.steps import CanaryReport, Step, StepFailed, StepOutcome
from functions.canary.tokens import TokenSource
from functions.common.deadline import Deadline

# A non-trickle offer as Alexa sends one (audio and video, every candidate in it); never logged.
CANARY_OFFER = "\r\n".join(
    [
        "v=0",
        "o=- 1 2 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        "a=group:BUNDLE 0 1",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111",
        "c=IN IP4 0.0.0.0",
        "a=mid:0",
        "a=sendrecv",
        "a=rtpmap:111 opus/48000/2",
        "m=video 9 UDP/TLS/RTP/SAVPF 96",
        "c=IN IP4 0.0.0.0",
        "a=mid:1",
        "a=recvonly",
        "a=rtpmap:96 H264/90000",
        "",
    ]
)
# The skill's ErrorResponse types that mean it refused the canary's token.
TOKEN_ERRORS = frozenset({"INVALID_AUTHORIZATION_CREDENTIAL", "EXPIRED_AUTHORIZATION_CREDENTIAL"})
# Those that mean the offer did not reach or was not answered by a master.
DELIVERY_ERRORS = frozenset({"ENDPOINT_UNREACHABLE", "RATE_LIMIT_EXCEEDED"})


@dataclass
class CanaryParts:
    """What one run needs: each part is the real one on Lambda and in `make smoke`, the local
    cloud's in the demo and tests."""

    tokens: TokenSource
    config: Callable[[str], CameraConfig]  # deviceId -> its configuration (StepFailed(CAMERA_CONFIG))
    skill: SkillInvoker
    cell_of: Callable[[str], str]  # a channel's account -> its cell id
    answer_budget_s: float
    connect_timeout_s: float = 3.0
    answerer: Answerer = field(default=minimal_answer)


def directive(token: str, device_id: str, session_id: str) -> dict[str, Any]:
    header = {
        "namespace": "Alexa.RTCSessionController",
        "name": "InitiateSessionWithOffer",
        "payloadVersion": "3",
        "messageId": str(uuid.uuid4()),
        "correlationToken": str(uuid.uuid4()),
    }
    endpoint = {"scope": {"type": "BearerToken", "token": token}, "endpointId": device_id, "cookie": {}}
    payload = {"sessionId": session_id, "offer": {"format": "SDP", "value": CANARY_OFFER}}
    return {"directive": {"header": header, "endpoint": endpoint, "payload": payload}}


class _Run:
    def __init__(self) -> None:
        self.steps: list[StepOutcome] = []

    @contextmanager
    def step(self, step: Step) -> Iterator[None]:
        began = time.perf_counter()
        try:
            yield
        except StepFailed as failure:
            self.record(failure.step, False, began, failure.reason)
            raise
        self.record(step, True, began)

    def record(self, step: Step, ok: bool, began: float, reason: str = "") -> None:
        self.steps.append(
            StepOutcome(step=step, ok=ok, ms=(time.perf_counter() - began) * 1000, reason=reason)
        )


def run_canary(device_id: str, parts: CanaryParts, deadline: Deadline) -> CanaryReport:
    run = _Run()
    cell = "unknown"
    answer_ms: float | None = None
    master: CanaryMaster | None = None
    try:
        with run.step(Step.TOKEN):
            token = parts.tokens.token(deadline)
        with run.step(Step.CAMERA_CONFIG):
            config = parts.config(device_id)
            cell = parts.cell_of(config.account)
        with run.step(Step.MASTER_CONNECT):
            master = CanaryMaster.connect(config.master_url(), parts.connect_timeout_s, parts.answerer)
        began = time.perf_counter()
        with run.step(Step.SKILL_INVOKE):
            response = parts.skill.invoke(directive(token, device_id, f"canary-{uuid.uuid4()}"))
            event = response.get("event", {})
            name = event.get("header", {}).get("name")
            error = event.get("payload", {}).get("type") if name == "ErrorResponse" else None
            _classify(name, error, master)
        answer_ms = (time.perf_counter() - began) * 1000
        with run.step(Step.OFFER_DELIVERY):
            if not master.offer_received.is_set():
                raise StepFailed(Step.OFFER_DELIVERY, "the skill answered, but no offer reached the master")
        with run.step(Step.ANSWER):
            returned = event.get("payload", {}).get("answer", {}).get("value")
            if not master.answers or returned != master.answers[-1]:
                raise StepFailed(Step.ANSWER, "the skill returned another answer than the master's")
            if answer_ms > parts.answer_budget_s * 1000:
                raise StepFailed(
                    Step.ANSWER,
                    f"answered in {answer_ms:.0f} ms, over the {parts.answer_budget_s:g} s budget",
                )
    except StepFailed:
        pass
    finally:
        if master is not None:
            master.close()
    failed = next((s.step for s in run.steps if not s.ok), None)
    return CanaryReport(
        device_id=device_id,
        cell=cell,
        ok=failed is None,
        failed_step=failed,
        answer_ms=answer_ms if failed is None else None,
        steps=run.steps,
    )


def _classify(name: str | None, error: str | None, master: CanaryMaster) -> None:
    """The step a skill error points at: the token, the offer's way to the master, the master's
    answer, or the skill itself."""
    if name == "AnswerGeneratedForSession":
        return
    if error in TOKEN_ERRORS:
        raise StepFailed(Step.TOKEN, f"the skill refused the canary's token: {error}")
    if error in DELIVERY_ERRORS:
        if master.offer_received.is_set():
            raise StepFailed(Step.ANSWER, f"the offer reached the master, but the skill answered {error}")
        raise StepFailed(Step.OFFER_DELIVERY, f"no offer reached the master; the skill answered {error}")
    raise StepFailed(Step.SKILL_INVOKE, f"the skill answered {error or name or 'nothing Alexa understands'}")
