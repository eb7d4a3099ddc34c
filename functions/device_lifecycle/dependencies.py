"""Everything a lifecycle record needs, built once per container on first use.

Tests start from fresh emulated AWS state and call `dependencies.cache_clear()` to rebuild them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from functions.common.outbound import OutboundPublisher, outbound_publisher
from functions.common.registry import Registry
from functions.device_lifecycle.lifecycle_channels import kvs_client
from functions.device_lifecycle.settings import LifecycleSettings

if TYPE_CHECKING:
    from functions.common.kvs.clients import ControlPlaneClient


@dataclass(frozen=True)
class Dependencies:
    settings: LifecycleSettings
    registry: Registry
    kvs: ControlPlaneClient
    # Where applied changes are announced to the Alexa events function; None: not configured.
    outbound: OutboundPublisher | None


@cache
def dependencies() -> Dependencies:
    settings = LifecycleSettings.load()
    return Dependencies(
        settings=settings,
        registry=Registry(settings.registry_table_name),
        kvs=kvs_client(),
        outbound=outbound_publisher(settings.alexa_events_queue_url),
    )
