"""The registry table's shape: one definition for the CDK stack and the local bootstrap.

Kept free of boto3 so the CDK app can import it without the Lambda dependencies.
"""

from __future__ import annotations

from typing import Any

PARTITION_KEY = "deviceId"
OWNER_INDEX = "byOwner"
OWNER_KEY = "ownerId"
# Tombstones (deregistered devices) drop ownerId, so the owner index is sparse and holds only
# live cameras; DynamoDB's TTL on this attribute removes tombstones once redelivery is impossible.
EXPIRES_AT = "expiresAt"


def create_table_kwargs(table_name: str) -> dict[str, Any]:
    """Arguments for DynamoDB CreateTable (on-demand) matching the CDK definition."""
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": PARTITION_KEY, "AttributeType": "S"},
            {"AttributeName": OWNER_KEY, "AttributeType": "S"},
        ],
        "KeySchema": [{"AttributeName": PARTITION_KEY, "KeyType": "HASH"}],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": OWNER_INDEX,
                "KeySchema": [{"AttributeName": OWNER_KEY, "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    }
