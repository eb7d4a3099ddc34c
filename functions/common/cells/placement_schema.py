"""The cell placement table's shape: one definition for the CDK stack and the local bootstrap.

Two kinds of items share one string key: a counter per cell (`cell#<id>`, `placed` devices) and
a slot per placed device (`device#<deviceId>`, its `cellId`). A placement writes both in one
transaction, so the counters always equal the slots. Kept free of boto3 so the CDK app can import
it without the Lambda dependencies.
"""

from __future__ import annotations

from typing import Any

from functions.common.table_schema import on_demand_table_kwargs

PARTITION_KEY = "slot"
PLACED = "placed"
CELL_ID = "cellId"


def cell_key(cell_id: str) -> str:
    return f"cell#{cell_id}"


def device_key(device_id: str) -> str:
    return f"device#{device_id}"


def create_table_kwargs(table_name: str) -> dict[str, Any]:
    """Arguments for DynamoDB CreateTable (on-demand) matching the CDK definition."""
    return on_demand_table_kwargs(table_name, PARTITION_KEY)
