"""Tag rotation: walk the fleet and move every channel's managed tags to the desired set.

`run()` is the whole job and knows nothing about Lambda: the handler calls it on a schedule, the
local cloud calls it on demand. One run may span invocations: when the time budget runs low it
checkpoints its listing position and returns `complete: false`; the next call continues it.
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime

from functions.common import channel_tags
from functions.common.deadline import Deadline, RemainingTime
from functions.common.kvs.control_plane import ListedChannel
from functions.common.kvs.errors import ChannelNotFound, InvalidArgument, KvsFailure, TooManyTags
from functions.common.observability import logger
from functions.common.registry import Device, Registry
from functions.tag_rotation import plan
from functions.tag_rotation.budget import OutOfTime, cutoff
from functions.tag_rotation.paced_kvs import PacedKvs, kvs_client
from functions.tag_rotation.rate_limit import RateLimiter
from functions.tag_rotation.settings import RotationSettings
from functions.tag_rotation.state import Lease, LeaseLost, Phase, RunState, StateStore
from functions.tag_rotation.summary import RotationOutcome, RunStatus, RunSummary, Totals, log

JOB = "tag-rotation"
# A lease outlives its invocation's deadline a little, and a run without a deadline renews a
# lease of this length at every checkpoint.
LEASE_SLACK_S = 10.0
OPEN_LEASE_S = 900.0
# Write-and-verify rounds against a registry item that keeps changing before leaving the channel
# to the next run (reported as failed).
MAX_REGISTRY_ROUNDS = 3


def run(
    settings: RotationSettings | None = None,
    budget: RemainingTime | None = None,
    run_id: str | None = None,
) -> RunSummary:
    """Start a run, or continue the one in progress (`run_id` continues only that run)."""
    settings = settings if settings is not None else RotationSettings.load()
    budget = budget if budget is not None else Deadline()
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
            totals=Totals(),
            invocations=0,
            duration_seconds=0.0,
        )
    else:
        summary = _Rotation(settings, budget, lease).execute()
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
    """One invocation's share of a run."""

    def __init__(self, settings: RotationSettings, budget: RemainingTime, lease: Lease) -> None:
        self._settings = settings
        self._budget = budget
        self._lease = lease
        self._state = lease.state
        self._kvs = PacedKvs(
            kvs_client(),
            account_tps=settings.max_tps,
            max_attempts=settings.max_attempts,
            until=cutoff(budget),
        )
        self._devices = Registry(settings.registry_table_name)
        # The registry as the invocation found it: which channels are whose (see _apply_current).
        self._snapshot: dict[str, Device] = {}
        # Capped at a quarter of the budget so that a short timeout still makes progress instead
        # of stopping at once and continuing itself forever.
        self._margin_ms = min(settings.stop_margin_seconds * 1000, budget.get_remaining_time_in_millis() / 4)
        self._progressed = False

    def execute(self) -> RunSummary:
        state = self._state
        logger.info(
            "tag rotation invocation",
            extra={"run_id": state.run_id, "invocation": state.invocations, "resumed": state.invocations > 1},
        )
        token, done = state.next_token, set(state.page_done)
        try:
            self._snapshot = self._load_snapshot()
            with ThreadPoolExecutor(self._settings.workers, thread_name_prefix="rotation") as pool:
                while True:
                    if self._time_low():
                        return self._stop(token, done)
                    try:
                        channels, next_token = self._kvs.list_page(
                            self._settings.channel_name_prefix, self._settings.page_size, token
                        )
                    except InvalidArgument:
                        # What ListSignalingChannels answers for a token it no longer accepts.
                        if token is None:
                            raise
                        # Channels already carrying this run's tags cost one read again, no write.
                        logger.warning("listing token rejected, restarting", extra={"run_id": state.run_id})
                        state.totals.listing_restarts += 1
                        token, done = None, set()
                        continue
                    if not self._rotate_page(pool, [c for c in channels if c.name not in done], done):
                        return self._stop(token, done)
                    if next_token is None:
                        break
                    token, done = next_token, set()
                    self._checkpoint(token, done, release=False)
            return self._finish()
        except OutOfTime:
            # A listing call could not finish in time; the checkpoint repeats that one call.
            return self._stop(token, done)
        except LeaseLost:
            logger.warning("rotation lease lost, stopping", extra={"run_id": state.run_id})
            return self._summary(RunStatus.LEASE_LOST)
        except Exception:
            # Release the run so the next invocation continues it without waiting for the lease.
            self._checkpoint(token, done, release=True)
            raise

    def _load_snapshot(self) -> dict[str, Device]:
        """Live devices by channel name (one Scan per invocation, held in memory)."""
        devices: dict[str, Device] = {}
        for device in self._devices.scan():
            if (name := self._channel_of(device)) is not None:
                devices[name] = device
        return devices

    def _channel_of(self, device: Device) -> str | None:
        """The device's channel name, if the device is live and its channel under the prefix."""
        name = device.channel_name or self._settings.channel_name(device.device_id)
        live = device.is_active and device.owner_id is not None
        return name if live and name.startswith(self._settings.channel_name_prefix) else None

    def _time_low(self) -> bool:
        remaining = self._budget.get_remaining_time_in_millis()
        # Until one channel is done, only an exhausted budget stops: a run always moves forward
        # even when start-up (lease, registry scan) ate most of a short budget.
        return remaining <= 0 or (self._progressed and remaining <= self._margin_ms)

    def _rotate_page(self, pool: ThreadPoolExecutor, pending: list[ListedChannel], done: set[str]) -> bool:
        """Rotate the page's channels, at most `workers` at a time. False when time ran low."""
        in_flight: dict[Future[RotationOutcome], ListedChannel] = {}
        position, stopped = 0, False
        while True:
            while not stopped and position < len(pending) and len(in_flight) < self._settings.workers:
                if self._time_low():
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
                self._state.totals.record(outcome, channel.name)
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
            logger.warning("channel rotation failed", extra={"channel": channel.name, "error": exc.aws_code})
            return RotationOutcome.FAILED

    def _converge(self, channel: ListedChannel) -> RotationOutcome:
        """One read, then at most one UntagResource and one TagResource (more only in a race)."""
        limiter = RateLimiter(self._settings.channel_tps, burst=self._settings.channel_tps)
        current = self._kvs.list_tags(channel.arn, limiter)
        device = self._snapshot.get(channel.name)
        if device is None:
            return RotationOutcome.ORPHAN
        if not channel_tags.belongs_to(current, device.device_id):
            return RotationOutcome.CONFLICT
        tag_plan = self._plan(current, device)
        if tag_plan.rotating_only:
            # The rotating tags carry no registry data: an old snapshot cannot make them stale.
            return self._apply(channel, tag_plan, limiter)
        return self._apply_current(channel, device.device_id, current, limiter)

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
            if device is None or self._channel_of(device) != channel.name:
                return RotationOutcome.ORPHAN
            if not channel_tags.belongs_to(current, device_id):
                return RotationOutcome.CONFLICT
            tag_plan = self._plan(current, device)
            outcome = self._apply(channel, tag_plan, limiter)
            if tag_plan.rotating_only:
                return outcome
            latest = self._devices.get(device_id, consistent=True)
            if latest is not None and latest.order_key == device.order_key:
                return outcome
            current = self._kvs.list_tags(channel.arn, limiter)
        logger.warning("registry kept changing during rotation", extra={"channel": channel.name})
        return RotationOutcome.FAILED

    def _plan(self, current: dict[str, str], device: Device) -> plan.TagPlan:
        desired = plan.desired_tags(
            device, self._settings.environment, self._state.generation, self._state.rotated_at
        )
        return plan.plan(current, desired)

    def _apply(self, channel: ListedChannel, tag_plan: plan.TagPlan, limiter: RateLimiter) -> RotationOutcome:
        if tag_plan.unchanged:
            return RotationOutcome.UNCHANGED
        if not tag_plan.fits:
            return RotationOutcome.NO_ROOM
        # Untag first: removing stale keys makes room before new ones are added.
        if tag_plan.to_untag:
            self._kvs.untag(channel.arn, tag_plan.to_untag, limiter)
        if tag_plan.to_tag:
            self._kvs.tag(channel.arn, tag_plan.to_tag, limiter)
        return RotationOutcome.ROTATED if tag_plan.rotating_only else RotationOutcome.UPDATED

    def _checkpoint(self, token: str | None, done: set[str], *, release: bool) -> None:
        """Persist the listing position, the totals and the lease."""
        state = self._state
        state.next_token = token
        state.page_done = sorted(done)
        state.totals.add_calls(*self._kvs.drain_stats())
        state.lease_until = 0.0 if release else _lease_until(self._budget)
        self._lease.save()

    def _stop(self, token: str | None, done: set[str]) -> RunSummary:
        self._checkpoint(token, done, release=True)
        return self._summary(RunStatus.PARTIAL)

    def _finish(self) -> RunSummary:
        # Ghosts are known only now: devices whose channel the whole run never found.
        existing = self._kvs.list_names(self._settings.channel_name_prefix)
        ghosts = sorted(name for name in self._snapshot if name not in existing)
        self._state.totals.add_calls(*self._kvs.drain_stats())
        summary = self._summary(RunStatus.COMPLETE, ghosts)
        self._state.phase, self._state.summary = Phase.COMPLETE, summary
        self._checkpoint(None, set(), release=True)
        return summary

    def _summary(self, status: RunStatus, ghosts: list[str] | None = None) -> RunSummary:
        state = self._state
        return RunSummary.build(
            run_id=state.run_id,
            generation=state.generation,
            status=status,
            totals=state.totals,
            invocations=state.invocations,
            duration_seconds=time.time() - state.started_at,
            ghosts=ghosts,
        )
