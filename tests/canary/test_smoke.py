"""`make smoke`'s output and exit status from the canary function's answer."""

from __future__ import annotations

from functions.canary.smoke import render
from functions.canary.steps import CanaryReport, Step, StepOutcome


def answer(*reports: CanaryReport) -> dict[str, object]:
    return {"reports": [r.model_dump(mode="json", by_alias=True) for r in reports]}


def test_a_failed_step_exits_non_zero_and_is_named() -> None:
    steps = [
        StepOutcome(step=Step.TOKEN, ok=True, ms=5),
        StepOutcome(step=Step.CAMERA_CONFIG, ok=False, ms=9, reason="GET /config answered HTTP 403"),
    ]
    failed = CanaryReport(
        device_id="canary-a", cell="a", ok=False, failed_step=Step.CAMERA_CONFIG, steps=steps
    )

    status, text = render(answer(failed))

    assert status == 1
    assert "FAILED at step camera-config: GET /config answered HTTP 403" in text


def test_every_camera_passing_exits_zero_and_none_configured_fails() -> None:
    steps = [StepOutcome(step=s, ok=True, ms=1) for s in Step]
    passed = CanaryReport(device_id="canary-a", cell="a", ok=True, answer_ms=420, steps=steps)

    assert render(answer(passed))[0] == 0
    assert render({"reports": []})[0] == 1
