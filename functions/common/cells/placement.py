"""Cell placement: which cell holds a device's channel, and how full each cell is.

A new device goes to the cell with the lowest load fraction (placed / capacity) that still has
room, so devices, and with them each account's KVS request rates, spread evenly. A placement is
one DynamoDB transaction: put the device's slot if it has none, and add one to the cell's counter
if it is below the capacity. Concurrent placements therefore never overfill a cell (the counter's
condition), a redelivered registration is never counted twice (the slot's), and the counters
always equal the slots. Capacity lives in `CELLS`, not the table, so raising it takes effect on
the next placement.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from enum import Enum, auto
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from functions.common import aws_clients
from functions.common.cells.config import Cell, Cells
from functions.common.cells.placement_schema import CELL_ID, PARTITION_KEY, PLACED, cell_key, device_key

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# Rounds of "read the loads, try the cells in order" before giving up on contention; each round
# waits a little longer so concurrent placements fall out of step.
MAX_ROUNDS = 8
_BACKOFF_S = 0.02


class FleetFullError(RuntimeError):
    """Every cell is at capacity: the device cannot be placed until capacity is added."""


class PlacementContentionError(RuntimeError):
    """Placements kept colliding on the same items; a later attempt will succeed."""


class CellPlacement:
    def __init__(
        self,
        table_name: str,
        cells: Cells,
        dynamodb: DynamoDBClient | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.table_name = table_name
        self._cells = cells
        self._ddb = dynamodb if dynamodb is not None else aws_clients.client("dynamodb")
        self._sleep = sleep

    def cell_of(self, device_id: str) -> str | None:
        """The id of the cell holding the device, or None if it is not placed."""
        response = self._ddb.get_item(
            TableName=self.table_name,
            Key={PARTITION_KEY: {"S": device_key(device_id)}},
            ConsistentRead=True,
        )
        item = response.get("Item")
        return item[CELL_ID]["S"] if item else None

    def loads(self) -> dict[str, int]:
        """Devices placed per cell."""
        keys: list[dict[str, Any]] = [{PARTITION_KEY: {"S": cell_key(cell.id)}} for cell in self._cells]
        loads = dict.fromkeys((cell.id for cell in self._cells), 0)
        by_key = {cell_key(cell.id): cell.id for cell in self._cells}
        # BatchGetItem takes 100 keys per call and may hand some back unprocessed.
        pending = keys
        while pending:
            batch, pending = pending[:100], pending[100:]
            response = self._ddb.batch_get_item(
                RequestItems={self.table_name: {"Keys": batch, "ConsistentRead": True}}
            )
            for item in response.get("Responses", {}).get(self.table_name, []):
                loads[by_key[item[PARTITION_KEY]["S"]]] = int(item[PLACED]["N"])
            unprocessed = response.get("UnprocessedKeys", {}).get(self.table_name)
            if unprocessed is not None:
                pending += unprocessed["Keys"]
        return loads

    def assign(self, device_id: str) -> Cell:
        """The device's cell: the one it is placed in, or a new placement in the least-loaded cell
        with room. Raises FleetFullError when every cell is full."""
        for attempt in range(MAX_ROUNDS):
            placed = self.cell_of(device_id)
            if placed is not None:
                return self._cells.get(placed)
            loads = self.loads()
            candidates = sorted(
                (loads[cell.id] / cell.capacity, index, cell)
                for index, cell in enumerate(self._cells)
                if loads[cell.id] < cell.capacity
            )
            if not candidates:
                raise FleetFullError(f"every cell is at capacity ({len(self._cells)} cells)")
            for _, _, cell in candidates:
                outcome = self._place(device_id, cell, cell.capacity)
                if outcome is _Outcome.PLACED:
                    return cell
                if outcome is not _Outcome.CELL_FULL:
                    break  # placed meanwhile, or a conflict: read again
            self._sleep(random.uniform(0, _BACKOFF_S * 2**attempt))  # noqa: S311 (jitter, not crypto)
        raise PlacementContentionError(f"placement of {device_id} kept colliding")

    def record(self, device_id: str, cell: Cell) -> Cell:
        """Count a device whose channel already exists in `cell` (placed before cells, or its
        slot freed by a deregistration that a newer registration overtook): its slot and one more
        on the counter, above the capacity if need be, since the channel is there anyway. The
        cell it is placed in (another one when it already has a slot there)."""
        for attempt in range(MAX_ROUNDS):
            placed = self.cell_of(device_id)
            if placed is not None:
                return self._cells.get(placed)
            if self._place(device_id, cell, capacity=None) is _Outcome.PLACED:
                return cell
            self._sleep(random.uniform(0, _BACKOFF_S * 2**attempt))  # noqa: S311 (jitter, not crypto)
        raise PlacementContentionError(f"recording the slot of {device_id} kept colliding")

    def release(self, device_id: str) -> Cell | None:
        """Free the device's slot; the cell it left, or None if it held none (already freed)."""
        for attempt in range(MAX_ROUNDS):
            placed = self.cell_of(device_id)
            if placed is None:
                return None
            try:
                self._transact(
                    {
                        "Delete": {
                            "TableName": self.table_name,
                            "Key": {PARTITION_KEY: {"S": device_key(device_id)}},
                            "ConditionExpression": "#c = :cell",
                            "ExpressionAttributeNames": {"#c": CELL_ID},
                            "ExpressionAttributeValues": {":cell": {"S": placed}},
                        }
                    },
                    {
                        "Update": {
                            "TableName": self.table_name,
                            "Key": {PARTITION_KEY: {"S": cell_key(placed)}},
                            "UpdateExpression": "ADD #p :minus",
                            "ConditionExpression": "#p > :zero",
                            "ExpressionAttributeNames": {"#p": PLACED},
                            "ExpressionAttributeValues": {":minus": {"N": "-1"}, ":zero": {"N": "0"}},
                        }
                    },
                )
            except _Cancelled:
                # Freed by a concurrent deregistration, or a conflict: read again.
                self._sleep(random.uniform(0, _BACKOFF_S * 2**attempt))  # noqa: S311 (jitter, not crypto)
                continue
            return self._cells.get(placed)
        raise PlacementContentionError(f"release of {device_id} kept colliding")

    def _place(self, device_id: str, cell: Cell, capacity: int | None) -> _Outcome:
        """Put the device's slot in `cell` and count it, if the counter is below `capacity`
        (None: whatever the counter)."""
        update: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": {PARTITION_KEY: {"S": cell_key(cell.id)}},
            "UpdateExpression": "ADD #p :one",
            "ExpressionAttributeNames": {"#p": PLACED},
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
        if capacity is not None:
            update["ConditionExpression"] = "attribute_not_exists(#p) OR #p < :capacity"
            update["ExpressionAttributeValues"][":capacity"] = {"N": str(capacity)}
        try:
            self._transact(
                {
                    "Put": {
                        "TableName": self.table_name,
                        "Item": {
                            PARTITION_KEY: {"S": device_key(device_id)},
                            CELL_ID: {"S": cell.id},
                        },
                        "ConditionExpression": "attribute_not_exists(#k)",
                        "ExpressionAttributeNames": {"#k": PARTITION_KEY},
                    }
                },
                {"Update": update},
            )
        except _Cancelled as cancelled:
            slot, counter = cancelled.reasons
            if slot == "ConditionalCheckFailed":
                return _Outcome.ALREADY_PLACED
            if counter == "ConditionalCheckFailed":
                return _Outcome.CELL_FULL
            return _Outcome.CONFLICT
        return _Outcome.PLACED

    def _transact(self, *items: dict[str, Any]) -> None:
        try:
            self._ddb.transact_write_items(TransactItems=list(items))  # type: ignore[arg-type]
        except ClientError as exc:
            if aws_clients.error_code(exc) != "TransactionCanceledException":
                raise
            reasons = exc.response.get("CancellationReasons", [])
            raise _Cancelled([str(r.get("Code", "None")) for r in reasons] or ["None"] * len(items)) from None


class _Outcome(Enum):
    PLACED = auto()
    ALREADY_PLACED = auto()
    CELL_FULL = auto()
    CONFLICT = auto()


class _Cancelled(Exception):
    """A transaction was cancelled; `reasons` holds one code per item ("None" where it passed)."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(", ".join(reasons))
        self.reasons = reasons
