"""Which cell holds a device's channel, for the lifecycle.

A device with a live channel on record stays in that channel's cell (its ARN names it). A new
one is placed (functions.common.cells.placement) before its channel is created, so a redelivery
finds the same cell; a deregistration deletes the channel in its cell, then frees the slot.
Without a placement table the stage has one cell and every channel goes there.
"""

from __future__ import annotations

from functions.common.cells.config import Cell, Cells
from functions.common.cells.placement import CellPlacement, PlacementContentionError
from functions.common.registry.store import Device
from functions.device_lifecycle.lifecycle_channels import TransientError


class DeviceCells:
    def __init__(self, cells: Cells, placement: CellPlacement | None) -> None:
        self._cells = cells
        self._placement = placement

    def for_live(self, device_id: str, previous: Device | None) -> Cell:
        """The cell of the device's channel, placing the device when it has none yet. Raises
        FleetFullError when every cell is full."""
        known = previous.channel_arn if previous is not None and previous.is_active else None
        try:
            if known is not None:
                cell = self._cells.of_channel_arn(known)
                # Counted where its channel is: a device registered before cells, or whose slot
                # a deregistration overtaken by this registration freed, gets its slot back.
                if self._placement is not None:
                    self._placement.record(device_id, cell)
                return cell
            return self._placement.assign(device_id) if self._placement else self._cells[0]
        except PlacementContentionError as exc:
            raise TransientError(str(exc)) from exc

    def for_removal(self, device_id: str, previous: Device | None) -> Cell | None:
        """The cell that may hold the device's channel; None when no cell can."""
        if previous is not None and previous.is_active and previous.channel_arn is not None:
            return self._cells.of_channel_arn(previous.channel_arn)
        if self._placement is not None:
            placed = self._placement.cell_of(device_id)
            if placed is not None:
                return self._cells.get(placed)
        # Unplaced: only a stage of one cell can hold a channel made without a slot.
        return self._cells[0] if len(self._cells) == 1 else None

    def release(self, device_id: str) -> None:
        """Free the device's slot (its channel is gone); nothing when it holds none."""
        if self._placement is None:
            return
        try:
            self._placement.release(device_id)
        except PlacementContentionError as exc:
            raise TransientError(str(exc)) from exc
