"""The canary's steps, in the order they run, and what one run reports."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Step(StrEnum):
    """Each names a section of docs/runbook.md (the canary's steps)."""

    TOKEN = "token"  # noqa: S105 (a step name); the canary owner's token, and the skill accepting it
    CAMERA_CONFIG = "camera-config"  # camera role credentials, then GET /config as the canary camera
    MASTER_CONNECT = "master-connect"  # WSS to the channel as MASTER with the config's credentials
    SKILL_INVOKE = "skill-invoke"  # the skill answers the directive (no Lambda error, no INTERNAL_ERROR)
    OFFER_DELIVERY = "offer-delivery"  # the skill's SendAlexaOfferToMaster reaches the master
    ANSWER = "answer"  # the skill returns exactly the master's answer, within Alexa's budget


class StepFailed(Exception):
    """`step` failed; `reason` is safe to log (never a token, SDP or an exception's text)."""

    def __init__(self, step: Step, reason: str) -> None:
        super().__init__(f"{step}: {reason}")
        self.step = step
        self.reason = reason


class StepOutcome(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    step: Step
    ok: bool
    ms: float
    reason: str = ""


class CanaryReport(BaseModel):
    """One run against one canary camera."""

    model_config = ConfigDict(populate_by_name=True)

    device_id: str = Field(alias="deviceId")
    cell: str
    ok: bool
    failed_step: Step | None = Field(default=None, alias="failedStep")
    answer_ms: float | None = Field(default=None, alias="answerMs")
    steps: list[StepOutcome]

    def summary(self) -> str:
        if self.ok:
            return f"{self.device_id} (cell {self.cell}): ok, answer in {self.answer_ms:.0f} ms"
        failed = next(s for s in self.steps if not s.ok)
        return f"{self.device_id} (cell {self.cell}): FAILED at step {failed.step}: {failed.reason}"
