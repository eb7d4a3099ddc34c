"""The canary's metrics, per cell (and step), in the stage's namespace. Only the canary's own
cameras are measured: its alarms cannot page for a customer's camera.

- `CanaryFailed` (Cell): 1 for a failed run, 0 for a passed one; the failure alarm's metric.
- `CanaryStepFailed` (Cell, Step): 1 or 0 for each step that ran; the dashboard names the step.
- `CanaryAnswerTime` (Cell), ms: from the directive to the skill's answer, passed runs only.
"""

from __future__ import annotations

import os

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from functions.canary.steps import CanaryReport

FAILED = "CanaryFailed"
STEP_FAILED = "CanaryStepFailed"
ANSWER_TIME = "CanaryAnswerTime"


def record(report: CanaryReport) -> None:
    """Emit the run's metrics (EMF on stdout, as Lambda sends them to CloudWatch)."""
    namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "AlexaCameraSignaling")
    cell = {"Cell": report.cell}
    with single_metric(
        FAILED, MetricUnit.Count, 0 if report.ok else 1, namespace=namespace, default_dimensions=cell
    ):
        pass
    for outcome in report.steps:
        dimensions = cell | {"Step": str(outcome.step)}
        with single_metric(
            STEP_FAILED,
            MetricUnit.Count,
            0 if outcome.ok else 1,
            namespace=namespace,
            default_dimensions=dimensions,
        ):
            pass
    if report.answer_ms is not None:
        with single_metric(
            ANSWER_TIME,
            MetricUnit.Milliseconds,
            report.answer_ms,
            namespace=namespace,
            default_dimensions=cell,
        ):
            pass
