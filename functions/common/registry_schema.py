"""The registry table's shape: one definition for the CDK stack and the local bootstrap.

Kept free of boto3 so the CDK app can import it without the Lambda dependencies.
"""

from __future__ import annotations

import hashlib
from typing import Any

PARTITION_KEY = "deviceId"
OWNER_INDEX = "byOwner"
OWNER_KEY = "ownerId"
# Tombstones (deregistered devices) drop ownerId, so the owner index is sparse and holds only
# live cameras; DynamoDB's TTL on this attribute removes tombstones once redelivery is impossible.
EXPIRES_AT = "expiresAt"
# The presence sweep's index: sparse (a camera carries SWEEP_SHARD only while it may go silent:
# confirmed and not yet marked), keyed by shard so no partition is hot, sorted by the time of the
# camera's last confirmation. The sweep queries each shard for confirmations older than its
# window: its reads follow the cameras due, not the fleet.
SWEEP_INDEX = "bySweepShard"
SWEEP_SHARD = "sweepShard"
CONFIRMED_AT = "confirmedAt"
SWEEP_SHARDS = 16


def sweep_shard(device_id: str) -> str:
    """The device's shard of the sweep index: stable, spread evenly."""
    digest = hashlib.sha256(device_id.encode()).digest()
    return str(int.from_bytes(digest[:4], "big") % SWEEP_SHARDS)


def create_table_kwargs(table_name: str) -> dict[str, Any]:
    """Arguments for DynamoDB CreateTable (on-demand) matching the CDK definition."""
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": PARTITION_KEY, "AttributeType": "S"},
            {"AttributeName": OWNER_KEY, "AttributeType": "S"},
            {"AttributeName": SWEEP_SHARD, "AttributeType": "S"},
            {"AttributeName": CONFIRMED_AT, "AttributeType": "N"},
        ],
        "KeySchema": [{"AttributeName": PARTITION_KEY, "KeyType": "HASH"}],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": OWNER_INDEX,
                "KeySchema": [{"AttributeName": OWNER_KEY, "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            },
            {
                "IndexName": SWEEP_INDEX,
                "KeySchema": [
                    {"AttributeName": SWEEP_SHARD, "KeyType": "HASH"},
                    {"AttributeName": CONFIRMED_AT, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
        ],
    }
