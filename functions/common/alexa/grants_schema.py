"""The grants table's shape: one definition for the CDK stack and the local bootstrap.

One item per owner (the `sub` of the user's account-linking token): the Alexa access token with
its expiry, the refresh token, a revision that changes on every write (conditional writes compare
it, so an older token never overwrites a newer one) and, while a refresh runs, its lease. Kept
free of boto3 so the CDK app can import it without the Lambda dependencies.
"""

from __future__ import annotations

from typing import Any

from functions.common.table_schema import on_demand_table_kwargs

PARTITION_KEY = "ownerId"


def create_table_kwargs(table_name: str) -> dict[str, Any]:
    """Arguments for DynamoDB CreateTable (on-demand) matching the CDK definition."""
    return on_demand_table_kwargs(table_name, PARTITION_KEY)
