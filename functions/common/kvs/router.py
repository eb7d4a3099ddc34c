"""Which cell holds a channel, and that cell's KVS clients: one place for every function that
acts on a channel it knows by ARN (the skill, device config, rotation).

A channel ARN names its account and region, and so its cell (functions.common.cells.config). Per cell
the router keeps one `ChannelControl` and one `SignalingDataPlane` (with its endpoint cache),
whose clients are made on first use: building a router makes no AWS call, so it is cheap at
INIT, and a remote cell's AssumeRole happens on the first call into that cell.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from functions.common.aws_clients import LazyClient
from functions.common.cells.config import Cell, Cells
from functions.common.kvs import clients
from functions.common.kvs.control_plane import ChannelControl
from functions.common.kvs.data_plane import SignalingDataPlane
from functions.common.kvs.endpoints import EndpointCache
from functions.common.kvs.errors import KvsFailure

if TYPE_CHECKING:
    from mypy_boto3_kinesisvideo import KinesisVideoClient


class NoCellForChannel(KvsFailure):
    """The channel's account and region are no configured cell's (a configuration error)."""


class CellRouter:
    def __init__(
        self,
        cells: Sequence[Cell] | None,
        *,
        control_limits: clients.ClientLimits,
        data_limits: clients.ClientLimits,
    ) -> None:
        """`cells` None: every channel is in the function's own account and region."""
        self._cells = Cells(cells) if cells else None
        self._control_limits = control_limits
        self._data_limits = data_limits
        self._lock = threading.Lock()
        self._per_cell: dict[str | None, tuple[ChannelControl, SignalingDataPlane]] = {}
        self._lazy_clients: list[LazyClient] = []

    def cell_of(self, channel_arn: str) -> Cell | None:
        """The cell holding the channel; None without cells (the function's own account)."""
        if self._cells is None:
            return None
        try:
            return self._cells.of_channel_arn(channel_arn)
        except LookupError:
            raise NoCellForChannel("NoCellForChannel") from None

    def control(self, channel_arn: str) -> ChannelControl:
        """The control plane of the channel's cell."""
        return self._of_cell(self.cell_of(channel_arn))[0]

    def signaling(self, channel_arn: str) -> SignalingDataPlane:
        """The data plane of the channel's cell, with the cell's endpoint cache."""
        return self._of_cell(self.cell_of(channel_arn))[1]

    def control_clients_made(self) -> int:
        """How many cells' control-plane clients exist (a cold offer with a recorded endpoint
        makes none: loading the service model costs tens of milliseconds)."""
        return sum(1 for lazy in self._lazy_clients if lazy.created)

    def _of_cell(self, cell: Cell | None) -> tuple[ChannelControl, SignalingDataPlane]:
        key = cell.id if cell is not None else None
        with self._lock:
            pair = self._per_cell.get(key)
            if pair is None:
                limits = self._control_limits
                lazy = LazyClient(lambda: clients.control_plane(limits, cell=cell))
                self._lazy_clients.append(lazy)
                control = ChannelControl(cast("KinesisVideoClient", lazy))
                pair = control, SignalingDataPlane(EndpointCache(control), self._data_limits, cell=cell)
                self._per_cell[key] = pair
            return pair
