"""The rotation state table: one item per job holding the run in progress and its lease.

Every write is conditional on the version read before it (optimistic locking), so two
invocations can never both believe they own a run: the loser of a race sees its write rejected
and does no work. One lease covers the run in every cell. Each cell's listing checkpoint (the page
token and the channels done in that page) lives in the same item, so a new invocation continues
each cell exactly where the last one stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, model_validator

from functions.common import aws_clients
from functions.common.cells.config import DEFAULT_CELL_ID
from functions.common.registry.rotation_state_schema import EXPIRES_AT, PARTITION_KEY
from functions.tag_rotation.summary import CellRun, RunSummary

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# A job's item outlives its last run by this long, then DynamoDB's TTL removes it.
RETENTION_SECONDS = 30 * 24 * 3600


class Phase(StrEnum):
    RUNNING = "RUNNING"
    COMPLETE = "COMPLETE"


class CellProgress(CellRun):
    # Token of the listing page in progress (None: the first page) and the channels done in it.
    next_token: str | None = None
    page_done: list[str] = Field(default_factory=list)


# What a run's item held before cells: one listing position and totals, now the default cell's.
_SINGLE_CELL_FIELDS = ("next_token", "page_done", "totals")


class RunState(BaseModel):
    run_id: str
    generation: str
    rotated_at: str
    phase: Phase = Phase.RUNNING
    started_at: float
    invocations: int = 0
    lease_owner: str | None = None
    lease_until: float = 0.0
    # By cell id; a cell not in it has not started.
    cells: dict[str, CellProgress] = Field(default_factory=dict)
    summary: RunSummary | None = None

    @model_validator(mode="before")
    @classmethod
    def _single_cell_item(cls, data: Any) -> Any:
        """An item written before cells continues as the default cell's progress."""
        if isinstance(data, dict) and "cells" not in data and _SINGLE_CELL_FIELDS[0] in data:
            data = dict(data)
            data["cells"] = {DEFAULT_CELL_ID: {k: data.pop(k) for k in _SINGLE_CELL_FIELDS if k in data}}
        return data


class LeaseLost(RuntimeError):
    """The run's item changed under this invocation: another one owns the run now."""


class Lease:
    """The claimed run; `save` persists it only if nobody else wrote since."""

    def __init__(self, store: StateStore, state: RunState, version: int) -> None:
        self._store = store
        self.state = state
        self._version = version

    def save(self) -> None:
        self._version = self._store.put(self.state, self._version)


class StateStore:
    def __init__(self, table_name: str, job: str, dynamodb: DynamoDBClient | None = None) -> None:
        self._table = table_name
        self._job = job
        self._ddb = dynamodb if dynamodb is not None else aws_clients.client("dynamodb")

    def load(self) -> tuple[RunState, int] | None:
        item = self._ddb.get_item(
            TableName=self._table, Key={PARTITION_KEY: {"S": self._job}}, ConsistentRead=True
        ).get("Item")
        if item is None:
            return None
        return RunState.model_validate_json(item["body"]["S"]), int(item["version"]["N"])

    def put(self, state: RunState, version: int | None) -> int:
        """Write the run; `version` is the one read before (None: the item must not exist yet)."""
        new_version = (version or 0) + 1
        condition: dict[str, Any] = (
            {
                "ConditionExpression": "attribute_not_exists(#k)",
                "ExpressionAttributeNames": {"#k": PARTITION_KEY},
            }
            if version is None
            else {
                "ConditionExpression": "version = :v",
                "ExpressionAttributeValues": {":v": {"N": str(version)}},
            }
        )
        try:
            self._ddb.put_item(
                TableName=self._table,
                Item={
                    PARTITION_KEY: {"S": self._job},
                    "version": {"N": str(new_version)},
                    "runId": {"S": state.run_id},
                    "phase": {"S": state.phase.value},
                    "leaseUntil": {"N": str(int(state.lease_until))},
                    EXPIRES_AT: {"N": str(int(time.time()) + RETENTION_SECONDS)},
                    "body": {"S": state.model_dump_json()},
                },
                **condition,
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            raise LeaseLost(f"the state of {self._job} changed under this invocation") from None
        return new_version

    def claim(
        self,
        *,
        owner: str,
        now: float,
        lease_until: float,
        run_id: str | None,
        new_run: Callable[[], RunState],
    ) -> tuple[Lease | None, RunState | None]:
        """(lease, None) when this invocation owns a run now, else (None, the run that blocks it).

        No run in progress: start one, unless `run_id` asks to continue a run (it finished).
        A run in progress: continue it once its lease has expired or was released.
        """
        loaded = self.load()
        current, version = loaded if loaded is not None else (None, None)
        if current is None or current.phase is Phase.COMPLETE:
            if run_id is not None:
                return None, current
            state = new_run()
        elif current.lease_until > now or (run_id is not None and run_id != current.run_id):
            return None, current
        else:
            state = current
        state.lease_owner = owner
        state.lease_until = lease_until
        state.invocations += 1
        try:
            return Lease(self, state, self.put(state, version)), None
        except LeaseLost:
            winner = self.load()
            return None, winner[0] if winner is not None else None
