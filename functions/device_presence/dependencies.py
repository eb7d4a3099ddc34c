"""Everything the presence function and its sweep need, built once per container on first use.

Tests start from fresh emulated AWS state and call `dependencies.cache_clear()` to rebuild them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from functions.common import aws_clients
from functions.common.alexa.outbound import OutboundPublisher
from functions.common.registry.store import Registry
from functions.device_presence.settings import PresenceSettings


@dataclass(frozen=True)
class Dependencies:
    settings: PresenceSettings
    registry: Registry
    publisher: OutboundPublisher


@cache
def dependencies() -> Dependencies:
    settings = PresenceSettings.load()
    return Dependencies(
        settings=settings,
        registry=Registry(settings.registry_table_name, aws_clients.client("dynamodb")),
        publisher=OutboundPublisher(settings.alexa_events_queue_url, aws_clients.client("sqs")),
    )
