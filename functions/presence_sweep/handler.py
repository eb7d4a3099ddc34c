"""Lambda entry point of the presence sweep: a scheduled EventBridge event (or an on-demand call).

Marks cameras silent for longer than CHECK_IN_WINDOW_SECONDS unreachable and announces each once.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.cold_start import build_at_init
from functions.common.observability import logger, metrics, tracer
from functions.presence_sweep.dependencies import dependencies

# Kept back at the end of the invocation to flush metrics and return.
RESERVE_MS = 5_000
build_at_init(dependencies)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = dependencies().run(lambda: context.get_remaining_time_in_millis() - RESERVE_MS)
    metrics.add_metric(name="CamerasMarkedUnreachable", unit=MetricUnit.Count, value=result.marked)
    logger.info("presence sweep", extra={"marked": result.marked, "complete": result.complete})
    return {"marked": result.marked, "complete": result.complete}
