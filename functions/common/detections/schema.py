"""The detections table's shape: one definition for the CDK stack and the local bootstrap.

One table, items told apart by their partition key's prefix:
- `D#{owner}#{device}` / `{time key}#{eventId}`: a detection, as its owner at detection time sees it
  (newest first is a reverse query: a page reads only its own items);
- `E#{device}` / `{eventId}`: the event's claim (a replay finds it taken) and where its detection is;
- `S#{device}` / `latest`: the camera's latest snapshot;
- `P#{owner}#{device}` / `classes`: the classes the owner turned off;
- `R#{ref}` / `ref`: an image reference handed to Alexa (owner-bound, expiring).
Every item carries `expiresAt`, DynamoDB's TTL attribute.

Kept free of boto3 so the CDK app can import it.
"""

from __future__ import annotations

from typing import Any

from functions.common.table_schema import on_demand_table_kwargs

PARTITION_KEY = "pk"
SORT_KEY = "sk"
EXPIRES_AT = "expiresAt"


def create_table_kwargs(table_name: str) -> dict[str, Any]:
    return on_demand_table_kwargs(table_name, PARTITION_KEY, sort_key=SORT_KEY)


def time_to_live_kwargs(table_name: str) -> dict[str, Any]:
    """Arguments for DynamoDB UpdateTimeToLive: items go once `expiresAt` passes."""
    return {
        "TableName": table_name,
        "TimeToLiveSpecification": {"Enabled": True, "AttributeName": EXPIRES_AT},
    }
