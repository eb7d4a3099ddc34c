"""Everything a lifecycle record needs, built once per container on first use.

Tests start from fresh emulated AWS state and call `dependencies.cache_clear()` to rebuild them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from functions.common import aws_clients
from functions.common.alexa.outbound import OutboundPublisher, outbound_publisher
from functions.common.cells.config import Cells
from functions.common.cells.placement import CellPlacement
from functions.common.registry.store import Registry
from functions.device_lifecycle.device_cells import DeviceCells
from functions.device_lifecycle.settings import LifecycleSettings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


@dataclass(frozen=True)
class Dependencies:
    settings: LifecycleSettings
    registry: Registry
    dynamodb: DynamoDBClient
    # Where applied changes are announced to the Alexa events function; None: not configured.
    outbound: OutboundPublisher | None

    def device_cells(self, control_account: str, control_region: str) -> DeviceCells:
        """The cells (their checks need the account and region the function runs in) and the
        placement among them."""
        cells: Cells = self.settings.cells(control_account, control_region)
        table = self.settings.placement_table_name
        return DeviceCells(cells, CellPlacement(table, cells, self.dynamodb) if table else None)


@cache
def dependencies() -> Dependencies:
    settings = LifecycleSettings.load()
    dynamodb = aws_clients.client("dynamodb")
    return Dependencies(
        settings=settings,
        registry=Registry(settings.registry_table_name, dynamodb),
        dynamodb=dynamodb,
        outbound=outbound_publisher(settings.alexa_events_queue_url),
    )
