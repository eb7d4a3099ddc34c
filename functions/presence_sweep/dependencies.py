"""Everything the sweep needs, built once per container on first use.

Tests start from fresh emulated AWS state and call `dependencies.cache_clear()` to rebuild them.
"""

from __future__ import annotations

from functools import cache

from functions.common import aws_clients
from functions.common.alexa.outbound import OutboundPublisher
from functions.common.registry.store import Registry
from functions.presence_sweep.logic import Sweep
from functions.presence_sweep.settings import SweepSettings


@cache
def dependencies() -> Sweep:
    settings = SweepSettings.load()
    return Sweep(
        Registry(settings.registry_table_name, aws_clients.client("dynamodb")),
        OutboundPublisher(settings.alexa_events_queue_url, aws_clients.client("sqs")),
        settings.check_in_window_seconds,
        excluded=settings.canary_device_ids,
    )
