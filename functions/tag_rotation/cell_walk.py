"""One cell's share of a rotation invocation: list the cell's channels page by page through the
cell's own client, and move each channel's managed tags to the desired set.

Each cell has its own rate limiters (KVS quotas are per account) and its own worker pool, so a
cell that throttles or fails never slows or stops another; the invocation's time budget bounds
them all. A cell whose listing (or role) fails is marked failed and the run goes on without it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from functools import partial

from functions.common.cells.config import Cell
from functions.common.kvs.control_plane import ListedChannel
from functions.common.kvs.errors import ChannelNotFound, InvalidArgument, KvsFailure, TooManyTags, neutral
from functions.common.observability import logger
from functions.common.registry import channel_tags
from functions.common.registry.store import Device, Registry
from functions.tag_rotation import plan
from functions.tag_rotation.budget import Cutoff, OutOfTime, TimeLeft
from functions.tag_rotation.paced_kvs import PacedKvs, kvs_client
from functions.tag_rotation.rate_limit import RateLimiter
from functions.tag_rotation.settings import RotationSettings
from functions.tag_rotation.state import CellProgress
from functions.tag_rotation.summary import CellStatus, RotationOutcome

# Write-and-verify rounds against a registry item that keeps changing before leaving the channel
# to the next run (reported as failed).
MAX_REGISTRY_ROUNDS = 3
# Persist the cell's progress (under the run's lock) and renew the run's lease.
Save = Callable[[Callable[[], None]], None]


class CellWalk:
    def __init__(
        self,
        cell: Cell,
        progress: CellProgress,
        *,
        settings: RotationSettings,
        generation: str,
        rotated_at: str,
        registry: Registry,
        snapshot: dict[str, Device],
        channel_in_cell: Callable[[Device], str | None],
        time_left: TimeLeft,
        cutoff: Cutoff,
        lock: threading.Lock,
        save: Save,
        sample_limit: int,
    ) -> None:
        self._cell = cell
        self._progress = progress
        self._settings = settings
        self._generation = generation
        self._rotated_at = rotated_at
        self._devices = registry
        # The registry as the invocation found it, this cell's devices: which channels are whose.
        self._snapshot = snapshot
        self._channel_in_cell = channel_in_cell
        self._time_left = time_left
        self._cutoff = cutoff
        self._lock = lock
        self._save = save
        self._sample_limit = sample_limit
        self._kvs: PacedKvs | None = None
        self._progressed = False

    def walk(self) -> None:
        """Walk until the cell is done, failed, or out of time (progress kept for the next
        invocation). LeaseLost and unexpected errors propagate."""
        progress = self._progress
        token, done = progress.next_token, set(progress.page_done)
        try:
            # A remote cell's client assumes its role: a refusal fails this cell only.
            kvs = self._kvs = PacedKvs(
                neutral(lambda: kvs_client(self._cell, self._cutoff.call_reserve_s)),
                account_tps=self._settings.max_tps,
                max_attempts=self._settings.max_attempts,
                cutoff=self._cutoff,
            )
            workers = self._settings.workers

            def list_page(at: str | None) -> tuple[list[ListedChannel], str | None]:
                return kvs.list_page(self._settings.channel_name_prefix, self._settings.page_size, at)

            with (
                ThreadPoolExecutor(workers, thread_name_prefix=f"rotation-{self._cell.id}") as pool,
                ThreadPoolExecutor(1, thread_name_prefix=f"rotation-list-{self._cell.id}") as lister,
            ):
                upcoming: Future[tuple[list[ListedChannel], str | None]] | None = None
                while True:
                    if self._time_left.low(self._progressed):
                        return self._keep(token, done)
                    try:
                        channels, next_token = upcoming.result() if upcoming else list_page(token)
                    except InvalidArgument:
                        # What ListSignalingChannels answers for a token it no longer accepts.
                        if token is None:
                            raise
                        # Channels already carrying this run's tags cost one read again, no write.
                        logger.warning(
                            "listing token rejected, restarting",
                            extra={"generation": self._generation, "cell": self._cell.id},
                        )
                        with self._lock:
                            progress.totals.listing_restarts += 1
                        token, done, upcoming = None, set(), None
                        continue
                    # The next page is listed while this one rotates: waiting for it between pages
                    # left the per-channel operations idle (7 % of a 150/s run).
                    upcoming = lister.submit(list_page, next_token) if next_token is not None else None
                    if not self._rotate_page(pool, [c for c in channels if c.name not in done], done):
                        return self._keep(token, done)
                    if next_token is None:
                        break
                    token, done = next_token, set()
                    self._save(partial(self._position, token, done))
            self._finish(kvs)
        except OutOfTime:
            # A listing call could not finish in time; the checkpoint repeats that one call.
            self._keep(token, done)
        except KvsFailure as exc:
            logger.error("cell rotation failed", extra={"cell": self._cell.id, "error": exc.aws_code})
            self._save(partial(self._failed, exc.aws_code))

    def _position(self, token: str | None, done: set[str]) -> None:
        self._progress.next_token = token
        self._progress.page_done = sorted(done)
        self._drain()

    def _keep(self, token: str | None, done: set[str]) -> None:
        """Out of time: the run's last checkpoint persists the position."""
        with self._lock:
            self._position(token, done)

    def _drain(self) -> None:
        if self._kvs is not None:
            self._progress.totals.add_calls(*self._kvs.drain_stats())

    def _failed(self, aws_code: str) -> None:
        self._progress.status, self._progress.error = CellStatus.FAILED, aws_code
        self._position(None, set())

    def _finish(self, kvs: PacedKvs) -> None:
        # Ghosts are known only now: devices whose channel the whole walk never found.
        existing = kvs.list_names(self._settings.channel_name_prefix)
        ghosts = sorted(name for name in self._snapshot if name not in existing)

        def complete() -> None:
            progress = self._progress
            progress.status = CellStatus.COMPLETE
            progress.ghost_count, progress.ghost_names = len(ghosts), ghosts[: self._sample_limit]
            self._position(None, set())

        self._save(complete)

    def _rotate_page(self, pool: ThreadPoolExecutor, pending: list[ListedChannel], done: set[str]) -> bool:
        """Rotate the page's channels, at most `workers` at a time. False when time ran low."""
        in_flight: dict[Future[RotationOutcome], ListedChannel] = {}
        position, stopped = 0, False
        while True:
            while not stopped and position < len(pending) and len(in_flight) < self._settings.workers:
                if self._time_left.low(self._progressed):
                    stopped = True
                    break
                channel = pending[position]
                position += 1
                in_flight[pool.submit(self._rotate_channel, channel)] = channel
            if not in_flight:
                return not stopped
            finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in finished:
                channel = in_flight.pop(future)
                try:
                    outcome = future.result()
                except OutOfTime:
                    # Not done: the next invocation visits it again (every step is idempotent).
                    stopped = True
                    continue
                with self._lock:
                    self._progress.totals.record(outcome, channel.name, self._sample_limit)
                done.add(channel.name)
                self._progressed = True

    def _rotate_channel(self, channel: ListedChannel) -> RotationOutcome:
        try:
            return self._converge(channel)
        except ChannelNotFound:
            return RotationOutcome.VANISHED
        except TooManyTags:
            return RotationOutcome.NO_ROOM
        except KvsFailure as exc:
            logger.warning(
                "channel rotation failed",
                extra={"channel": channel.name, "cell": self._cell.id, "error": exc.aws_code},
            )
            return RotationOutcome.FAILED

    def _converge(self, channel: ListedChannel) -> RotationOutcome:
        """One read, then at most one UntagResource and one TagResource (more only in a race)."""
        limiter = RateLimiter(self._settings.channel_tps, burst=self._settings.channel_tps)
        current = self._paced.list_tags(channel.arn, limiter)
        device = self._snapshot.get(channel.name)
        if device is None:
            return RotationOutcome.ORPHAN
        if not channel_tags.belongs_to(channel.arn, current, device.device_id, device.channel_arn):
            return RotationOutcome.CONFLICT
        tag_plan = self._plan(current, device)
        if tag_plan.rotating_only:
            # The rotating tags carry no registry data: an old snapshot cannot make them stale.
            return self._apply(channel, tag_plan, limiter)
        return self._apply_current(channel, device.device_id, current, limiter)

    @property
    def _paced(self) -> PacedKvs:
        assert self._kvs is not None  # set before any channel is taken
        return self._kvs

    def _apply_current(
        self, channel: ListedChannel, device_id: str, current: dict[str, str], limiter: RateLimiter
    ) -> RotationOutcome:
        """Write the static tags from the registry as it is now, not from the snapshot.

        The snapshot is as old as the invocation; lifecycle may have moved the device since, and
        the channel then already shows the new owner. So the item is read again (consistently)
        right before the write, and once more after it: lifecycle tags the channel before it
        writes the item, so an event applied while we wrote may have been undone by our write,
        which a changed order key reveals; then converge again from the new item. Only channels
        whose static tags differ pay these two reads: a usual run writes the rotating tags alone.
        Left open: our write and the read after it both falling between lifecycle's channel and item
        writes; the next run repairs that.
        """
        for _ in range(MAX_REGISTRY_ROUNDS):
            device = self._devices.get(device_id, consistent=True)
            if device is None or self._channel_in_cell(device) != channel.name:
                return RotationOutcome.ORPHAN
            if not channel_tags.belongs_to(channel.arn, current, device_id, device.channel_arn):
                return RotationOutcome.CONFLICT
            tag_plan = self._plan(current, device)
            outcome = self._apply(channel, tag_plan, limiter)
            if tag_plan.rotating_only:
                return outcome
            latest = self._devices.get(device_id, consistent=True)
            if latest is not None and latest.order_key == device.order_key:
                return outcome
            current = self._paced.list_tags(channel.arn, limiter)
        logger.warning("registry kept changing during rotation", extra={"channel": channel.name})
        return RotationOutcome.FAILED

    def _plan(self, current: dict[str, str], device: Device) -> plan.TagPlan:
        desired = plan.desired_tags(device, self._settings.environment, self._generation, self._rotated_at)
        return plan.plan(current, desired)

    def _apply(self, channel: ListedChannel, tag_plan: plan.TagPlan, limiter: RateLimiter) -> RotationOutcome:
        if tag_plan.unchanged:
            return RotationOutcome.UNCHANGED
        if not tag_plan.fits:
            return RotationOutcome.NO_ROOM
        # Untag first: removing stale keys makes room before new ones are added.
        if tag_plan.to_untag:
            self._paced.untag(channel.arn, tag_plan.to_untag, limiter)
        if tag_plan.to_tag:
            self._paced.tag(channel.arn, tag_plan.to_tag, limiter)
        return RotationOutcome.ROTATED if tag_plan.rotating_only else RotationOutcome.UPDATED
