"""Lambda entry point of the live-view canary: a scheduled event (every cell's canary camera), or
`make smoke`'s direct invocation. Answers every camera's report; metrics per cell and step."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.canary import metrics
from functions.canary.dependencies import dependencies
from functions.canary.logic import run_canary
from functions.common.deadline import Deadline
from functions.common.observability import logger, tracer

RESERVE_S = 2.0


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deps = dependencies()
    deadline = Deadline.of_invocation(context, reserve_s=RESERVE_S)
    reports = [run_canary(device_id, deps.parts, deadline) for device_id in deps.settings.devices_for(event)]
    for report in reports:
        metrics.record(report)
        logger.info("canary run", extra={"report": report.model_dump(mode="json", by_alias=True)})
    return {
        "ok": all(r.ok for r in reports),
        "reports": [r.model_dump(mode="json", by_alias=True) for r in reports],
    }
