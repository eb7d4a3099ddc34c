"""The registry table's shape: one definition for the CDK stack and the local bootstrap.

Kept free of boto3 so the CDK app can import it without the Lambda dependencies.
"""

from __future__ import annotations

import hashlib
from typing import Any

from functions.common.table_schema import key_schema, on_demand_table_kwargs

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
    return on_demand_table_kwargs(
        table_name,
        PARTITION_KEY,
        index_attributes={OWNER_KEY: "S", SWEEP_SHARD: "S", CONFIRMED_AT: "N"},
        indexes=[
            {
                "IndexName": OWNER_INDEX,
                "KeySchema": key_schema(OWNER_KEY),
                "Projection": {"ProjectionType": "ALL"},
            },
            {
                "IndexName": SWEEP_INDEX,
                "KeySchema": key_schema(SWEEP_SHARD, CONFIRMED_AT),
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
        ],
    )
