"""Data access for the grants table: the Alexa tokens of each owner who linked the skill.

Every write sets a new `revision`; every change after the first is conditional on the revision
it read, so an older token never overwrites a newer one and a second AcceptGrant (which
replaces the item) wins over a refresh still in flight. A refresh first takes a short lease
with a conditional write: of two senders that find the token stale, one calls LWA and the other
waits for its result. The table is encrypted with a customer managed KMS key.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from functions.common import dynamodb_json
from functions.common.alexa.grants_schema import PARTITION_KEY
from functions.common.alexa.lwa import Tokens

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class StoredGrant(BaseModel):
    """A grants item. Field aliases are the DynamoDB attribute names."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, hide_input_in_errors=True)

    owner_id: Annotated[str, Field(alias=PARTITION_KEY)]
    access_token: Annotated[SecretStr, Field(alias="accessToken")]
    expires_at: Annotated[int, Field(alias="expiresAt")]
    refresh_token: Annotated[SecretStr, Field(alias="refreshToken")]
    revision: str
    lease_until: Annotated[int | None, Field(alias="leaseUntil")] = None

    def fresh(self, now: float, margin: float) -> bool:
        """The access token is good for at least `margin` more seconds."""
        return self.expires_at - margin > now

    def leased(self, now: float) -> bool:
        return self.lease_until is not None and self.lease_until > now


class GrantStore:
    def __init__(self, table_name: str, dynamodb: DynamoDBClient) -> None:
        self.table_name = table_name
        self._ddb = dynamodb

    def get(self, owner_id: str) -> StoredGrant | None:
        response = self._ddb.get_item(
            TableName=self.table_name, Key={PARTITION_KEY: {"S": owner_id}}, ConsistentRead=True
        )
        item = response.get("Item")
        if not item:
            return None
        return StoredGrant.model_validate(dynamodb_json.from_item(item))

    def replace(self, owner_id: str, tokens: Tokens, now: float) -> None:
        """A new grant (AcceptGrant): replaces any earlier one and any refresh in flight."""
        assert tokens.refresh_token is not None
        self._ddb.put_item(
            TableName=self.table_name,
            Item=_token_attributes(tokens, tokens.refresh_token, now) | {PARTITION_KEY: {"S": owner_id}},
        )

    def take_refresh_lease(self, grant: StoredGrant, now: float, seconds: int) -> bool:
        """True if this caller may refresh `grant` (no one else holds a live lease on it)."""
        return self._update(
            grant,
            "SET leaseUntil = :until",
            "revision = :r AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)",
            {":until": {"N": str(int(now) + seconds)}, ":now": {"N": str(int(now))}},
        )

    def release_refresh_lease(self, grant: StoredGrant) -> None:
        """Give up a lease after a failed refresh, so the next sender need not wait it out."""
        self._update(grant, "REMOVE leaseUntil", "revision = :r", {})

    def store_refreshed(self, grant: StoredGrant, tokens: Tokens, now: float) -> bool:
        """Store a refresh of `grant`; False when the grant changed meanwhile (a new AcceptGrant)."""
        refresh = tokens.refresh_token or grant.refresh_token  # LWA may or may not rotate it
        values = _token_attributes(tokens, refresh, now)
        return self._update(
            grant,
            "SET accessToken = :a, expiresAt = :e, refreshToken = :f, revision = :n REMOVE leaseUntil",
            "revision = :r",
            {
                ":a": values["accessToken"],
                ":e": values["expiresAt"],
                ":f": values["refreshToken"],
                ":n": values["revision"],
            },
        )

    def delete(self, grant: StoredGrant) -> bool:
        """Forget an unlinked user's grant, unless it was replaced by a newer one meanwhile."""
        try:
            self._ddb.delete_item(
                TableName=self.table_name,
                Key={PARTITION_KEY: {"S": grant.owner_id}},
                ConditionExpression="revision = :r",
                ExpressionAttributeValues={":r": {"S": grant.revision}},
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def _update(self, grant: StoredGrant, update: str, condition: str, values: dict[str, Any]) -> bool:
        try:
            self._ddb.update_item(
                TableName=self.table_name,
                Key={PARTITION_KEY: {"S": grant.owner_id}},
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeValues={":r": {"S": grant.revision}, **values},
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True


def _token_attributes(tokens: Tokens, refresh_token: SecretStr, now: float) -> dict[str, Any]:
    return {
        "accessToken": {"S": tokens.access_token.get_secret_value()},
        "expiresAt": {"N": str(int(now) + tokens.expires_in)},
        "refreshToken": {"S": refresh_token.get_secret_value()},
        "revision": {"S": uuid.uuid4().hex},
    }
