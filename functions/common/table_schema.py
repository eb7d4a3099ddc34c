"""CreateTable arguments for the on-demand tables: a string partition key, an optional string sort
key, and any attributes their secondary indexes key on."""

from __future__ import annotations

from typing import Any


def key_schema(partition_key: str, sort_key: str | None = None) -> list[dict[str, str]]:
    """A table's or an index's KeySchema."""
    keys = [{"AttributeName": partition_key, "KeyType": "HASH"}]
    if sort_key is not None:
        keys.append({"AttributeName": sort_key, "KeyType": "RANGE"})
    return keys


def on_demand_table_kwargs(
    table_name: str,
    partition_key: str,
    *,
    sort_key: str | None = None,
    index_attributes: dict[str, str] | None = None,
    indexes: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Arguments for DynamoDB CreateTable (on-demand) matching the CDK definition.
    `index_attributes` maps each attribute an index keys on to its type ("S", "N")."""
    types = dict.fromkeys([partition_key, *([sort_key] if sort_key else [])], "S") | (index_attributes or {})
    kwargs: dict[str, Any] = {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": kind} for name, kind in types.items()
        ],
        "KeySchema": key_schema(partition_key, sort_key),
    }
    if indexes:
        kwargs["GlobalSecondaryIndexes"] = indexes
    return kwargs
