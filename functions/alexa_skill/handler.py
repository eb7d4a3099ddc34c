"""Lambda entry point of the Alexa skill: Smart Home directives, payload version 3.

Call it as `handler(directive, context)` with a Lambda-like context (function_name,
memory_limit_in_mb, invoked_function_arn, aws_request_id).
"""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.alexa_skill.dependencies import dependencies, init
from functions.alexa_skill.directives import account_routes, respond, vision_routes
from functions.common import snapstart
from functions.common.cold_start import build_at_init
from functions.common.deadline import Deadline
from functions.common.observability import logger, metrics

# Settings, clients, key source and the identity provider's key set (kept by a SnapStart snapshot).
build_at_init(init)
# A plain cold start leaves every route but the live view's to its first directive; a snapshot
# holds them all.
if snapstart.taking_snapshot():
    account_routes()
    vision_routes()


# No trace subsegment of the skill's own (Tracer's capture_lambda_handler): Lambda's segment already
# times the invocation and its initialization, the botocore patch traces each AWS call, and a
# subsegment costs a warm offer about a tenth of the skill's work (docs/architecture.md).
@logger.inject_lambda_context(correlation_id_path="directive.header.correlationToken", clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # The clock starts before anything else (a cold start included), so the whole directive fits.
    start = time.monotonic()
    deps = dependencies()
    deadline = Deadline(deps.settings.skill_deadline_seconds, start=start)
    return respond(event, deps.skill, deadline).to_dict()
