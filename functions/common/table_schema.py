"""CreateTable arguments shared by the tables keyed by one string partition key."""

from __future__ import annotations

from typing import Any


def on_demand_table_kwargs(table_name: str, partition_key: str) -> dict[str, Any]:
    """Arguments for DynamoDB CreateTable (on-demand, string hash key) matching the CDK definition."""
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": partition_key, "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": partition_key, "KeyType": "HASH"}],
    }
