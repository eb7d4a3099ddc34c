"""Device events as the device registry's EventBridge bus delivers them.

The local cloud puts these on the lifecycle queue; the tests and benchmarks build theirs here too,
so that every event a handler sees in a run has one shape.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from functions.common.bus.device_events import DEFAULT_EVENT_SOURCE
from localcloud.aws.lambda_context import ACCOUNT_ID, REGION


def device_event(
    detail_type: str,
    detail: dict[str, Any],
    *,
    time: datetime | None = None,
    id: str | None = None,
    account: str = ACCOUNT_ID,
    source: str = DEFAULT_EVENT_SOURCE,
    region: str = REGION,
) -> dict[str, Any]:
    """The EventBridge envelope of one registry event (JSON-ready)."""
    when = (time or datetime.now(UTC)).astimezone(UTC)
    return {
        "version": "0",
        "id": id or str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": account,
        "time": when.isoformat().replace("+00:00", "Z"),
        "region": region,
        "resources": [],
        "detail": detail,
    }
