"""The tag rotation state table's shape: one definition for the CDK stack and the local bootstrap.

One item per rotation job holds the run in progress (its generation, listing checkpoint and
lease) so a run can span invocations and a second run cannot start beside it. Kept free of boto3
so the CDK app can import it without the Lambda dependencies.
"""

from __future__ import annotations

from typing import Any

from functions.common.table_schema import on_demand_table_kwargs

PARTITION_KEY = "job"
# DynamoDB's TTL removes run records of jobs that stopped being scheduled.
EXPIRES_AT = "expiresAt"


def create_table_kwargs(table_name: str) -> dict[str, Any]:
    """Arguments for DynamoDB CreateTable (on-demand) matching the CDK definition."""
    return on_demand_table_kwargs(table_name, PARTITION_KEY)


def time_to_live_kwargs(table_name: str) -> dict[str, Any]:
    """Arguments for DynamoDB UpdateTimeToLive (TTL is not part of CreateTable)."""
    return {
        "TableName": table_name,
        "TimeToLiveSpecification": {"Enabled": True, "AttributeName": EXPIRES_AT},
    }
