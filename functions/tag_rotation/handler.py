"""Lambda entry point: a scheduled EventBridge event, an on-demand call, or a continuation.

The event is `{"runId": "..."}` when this function continues its own run; any other event (the
schedule's, or `{}`) starts a run or continues the one in progress.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from functions.common.function_arn import account_and_region
from functions.common.observability import logger, metrics, tracer
from functions.tag_rotation import continuation, logic
from functions.tag_rotation.dependencies import dependencies
from functions.tag_rotation.summary import RunStatus, add_metrics


class RotationRequest(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    run_id: str | None = Field(default=None, alias="runId", pattern=r"^[a-f0-9]{32}$")


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, object]:
    settings = dependencies().settings
    try:
        request = parse(event=event, model=RotationRequest)
    except ValidationError:
        # Counted: an invocation with a bad request is a caller's bug, and has no run to report.
        metrics.add_metric(name="RequestsRejected", unit=MetricUnit.Count, value=1)
        raise
    summary = logic.run(
        settings, context, run_id=request.run_id, control=account_and_region(context.invoked_function_arn)
    )
    add_metrics(summary)
    if summary.status is RunStatus.PARTIAL and settings.function_name:
        continuation.invoke_async(settings.function_name, summary.run_id)
    return summary.to_output()
