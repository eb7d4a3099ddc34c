"""Tag rotation: walk every cell's channels and move each channel's managed tags to the desired set.

`run()` is the whole job and knows nothing about Lambda: the handler calls it on a schedule, the
local cloud calls it on demand. The cells are walked in parallel, each through its own account's
client and within its own account's quotas (cell_walk.py). One run may span invocations: when the
time budget runs low it checkpoints each cell's listing position and returns `complete: false`;
the next call continues each cell where it stopped.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from functions.common.cells.config import Cell, Cells
from functions.common.deadline import Deadline, RemainingTime
from functions.common.observability import logger
from functions.common.registry.store import Device, Registry
from functions.tag_rotation.budget import Cutoff, TimeLeft
from functions.tag_rotation.cell_walk import CellWalk
from functions.tag_rotation.identity import own_place
from functions.tag_rotation.settings import RotationSettings
from functions.tag_rotation.state import CellProgress, Lease, LeaseLost, Phase, RunState, StateStore
from functions.tag_rotation.summary import SAMPLE_LIMIT, CellStatus, RunStatus, RunSummary, log

JOB = "tag-rotation"
# A lease outlives its invocation's deadline a little, and a run without a deadline renews a
# lease of this length at every checkpoint.
LEASE_SLACK_S = 10.0
OPEN_LEASE_S = 900.0


def run(
    settings: RotationSettings | None = None,
    budget: RemainingTime | None = None,
    run_id: str | None = None,
    *,
    control: tuple[str, str] | None = None,
) -> RunSummary:
    """Start a run, or continue the one in progress (`run_id` continues only that run).

    `control` is the (account, region) the function runs in, which resolves the cells; None asks
    STS (callers without a Lambda context)."""
    settings = settings if settings is not None else RotationSettings.load()
    budget = budget if budget is not None else Deadline()
    control = control if control is not None else own_place()
    cells = settings.cells(*control)
    store = StateStore(settings.rotation_state_table_name, f"{JOB}#{settings.channel_name_prefix}")
    lease, blocker = store.claim(
        owner=uuid.uuid4().hex,
        now=time.time(),
        lease_until=_lease_until(budget),
        run_id=run_id,
        new_run=_new_run,
    )
    if lease is None:
        summary = RunSummary.build(
            run_id=blocker.run_id if blocker else run_id or "",
            generation=blocker.generation if blocker else "",
            status=RunStatus.SKIPPED,
            cells=[],
            invocations=0,
            duration_seconds=0.0,
        )
    else:
        summary = _Rotation(settings, budget, lease, cells, control).execute()
    log(summary)
    return summary


def _new_run() -> RunState:
    run_id = uuid.uuid4().hex
    return RunState(
        run_id=run_id,
        generation=run_id,
        rotated_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        started_at=time.time(),
    )


def _lease_until(budget: RemainingTime) -> float:
    remaining = budget.get_remaining_time_in_millis() / 1000
    return time.time() + min(remaining, OPEN_LEASE_S) + LEASE_SLACK_S


class _Rotation:
    """One invocation's share of a run: every cell not yet done, in parallel."""

    def __init__(
        self,
        settings: RotationSettings,
        budget: RemainingTime,
        lease: Lease,
        cells: Cells,
        control: tuple[str, str],
    ) -> None:
        self._settings = settings
        self._budget = budget
        self._lease = lease
        self._state = lease.state
        self._cells = cells
        # Devices placed before cells record no cell: their channels are in the control account.
        self._home = next((c.id for c in cells if (c.account, c.region) == control), None)
        self._devices = Registry(settings.registry_table_name)
        self._time_left = TimeLeft(budget, settings.stop_margin_seconds)
        self._cutoff = Cutoff(budget)
        # Guards the run's state: cells record outcomes and checkpoint from their own threads.
        self._lock = threading.Lock()
        # The item's samples stay as small as with one cell.
        self._sample_limit = max(1, SAMPLE_LIMIT // len(cells))

    def execute(self) -> RunSummary:
        state = self._state
        logger.info(
            "tag rotation invocation",
            extra={"run_id": state.run_id, "invocation": state.invocations, "resumed": state.invocations > 1},
        )
        try:
            snapshots = self._load_snapshots()
            walks = [self._walk(cell, snapshots[cell.id]) for cell in self._cells if self._pending(cell)]
            errors = self._run_all(walks)
        except Exception:
            # Release the run so the next invocation continues it without waiting for the lease.
            self._save(release=True)
            raise
        if any(isinstance(error, LeaseLost) for error in errors):
            logger.warning("rotation lease lost, stopping", extra={"run_id": state.run_id})
            return self._summary(RunStatus.LEASE_LOST)
        if errors:
            self._save(release=True)
            raise errors[0]
        if any(self._pending(cell) for cell in self._cells):
            self._save(release=True)
            return self._summary(RunStatus.PARTIAL)
        summary = self._summary(RunStatus.COMPLETE)
        state.phase, state.summary = Phase.COMPLETE, summary
        self._save(release=True)
        return summary

    def _pending(self, cell: Cell) -> bool:
        return self._progress(cell).status is CellStatus.PARTIAL

    def _progress(self, cell: Cell) -> CellProgress:
        return self._state.cells.setdefault(cell.id, CellProgress())

    def _walk(self, cell: Cell, snapshot: dict[str, Device]) -> CellWalk:
        return CellWalk(
            cell,
            self._progress(cell),
            settings=self._settings,
            generation=self._state.generation,
            rotated_at=self._state.rotated_at,
            registry=self._devices,
            snapshot=snapshot,
            channel_in_cell=lambda device: self._channel_in(device, cell.id),
            time_left=self._time_left,
            cutoff=self._cutoff,
            lock=self._lock,
            save=lambda update: self._save(release=False, update=update),
            sample_limit=self._sample_limit,
        )

    def _run_all(self, walks: list[CellWalk]) -> list[BaseException]:
        """Walk the cells at once; the errors that ended a walk (the others are halted at once)."""

        def walk(cell_walk: CellWalk) -> None:
            try:
                cell_walk.walk()
            except BaseException:
                self._time_left.halt()
                raise

        with ThreadPoolExecutor(max(1, len(walks)), thread_name_prefix="rotation-cell") as pool:
            futures = [pool.submit(walk, cell_walk) for cell_walk in walks]
        return [error for future in futures if (error := future.exception()) is not None]

    def _load_snapshots(self) -> dict[str, dict[str, Device]]:
        """Live devices by cell and channel name (one Scan per invocation, held in memory)."""
        snapshots: dict[str, dict[str, Device]] = {cell.id: {} for cell in self._cells}
        for device in self._devices.scan():
            cell_id = self._cell_of(device)
            if cell_id in snapshots and (name := self._channel_in(device, cell_id)) is not None:
                snapshots[cell_id][name] = device
        return snapshots

    def _cell_of(self, device: Device) -> str | None:
        if device.cell_id is not None:
            return device.cell_id
        if device.channel_arn is not None:
            try:
                return self._cells.of_channel_arn(device.channel_arn).id
            except LookupError:
                return None
        return self._home

    def _channel_in(self, device: Device, cell_id: str) -> str | None:
        """The device's channel name, if the device is live, placed in the cell, and its channel
        under the prefix."""
        name = device.channel_name or self._settings.channel_name(device.device_id)
        live = device.is_active and device.owner_id is not None and self._cell_of(device) == cell_id
        return name if live and name.startswith(self._settings.channel_name_prefix) else None

    def _save(self, *, release: bool, update: Callable[[], None] | None = None) -> None:
        """Apply a cell's `update` and persist the run (its cells' progress and the lease)."""
        with self._lock:
            if update is not None:
                update()
            self._state.lease_until = 0.0 if release else _lease_until(self._budget)
            self._lease.save()

    def _summary(self, status: RunStatus) -> RunSummary:
        state = self._state
        with self._lock:
            return RunSummary.build(
                run_id=state.run_id,
                generation=state.generation,
                status=status,
                cells=[(cell, self._progress(cell)) for cell in self._cells],
                invocations=state.invocations,
                duration_seconds=time.time() - state.started_at,
            )
