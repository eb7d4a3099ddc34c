"""The invocation's time budget, and the cutoff after which nothing may start or still wait.

Rotation stops taking channels when the budget runs low (the stop margin), but channels already
under way may still wait for a rate limiter or back off and retry. No KVS call starts after the
cutoff, and no limiter wait or backoff ends after it: OutOfTime is raised instead, the channel is
left for the next invocation, and the run checkpoints and returns within its budget. The cutoff
keeps room for the slowest call seen so far (with margin) to end before the checkpoint.
"""

from __future__ import annotations

import threading
import time

from functions.common.deadline import RemainingTime

# Kept at the end for the checkpoint write and the summary; capped at a twentieth of the budget.
FINISH_RESERVE_S, FINISH_SHARE = 1.0, 0.05
# Kept for a call in flight that was never seen before: 12 s covers the KVS client's connect and
# read timeouts (2 + 10 s), and paced_kvs cuts each of them to this reserve when it is shorter.
# Capped at a tenth of the budget, so that a short budget still leaves time for work.
CALL_RESERVE_S, RESERVE_SHARE = 12.0, 0.1
# A call starts only if one as slow as the slowest seen so far, half as long again, ends in time:
# a slow or loaded service shows itself in the calls it answers, and the margin follows it.
SLOWEST_FACTOR = 1.5


class OutOfTime(Exception):
    """Waiting or retrying any longer would outlast the invocation: stop and checkpoint."""


class Cutoff:
    """When every call must have ended (the end of the budget less the finish reserve), and the
    latest a call may start: one reserve, or the slowest call so far with margin, before that.
    Shared by every call of an invocation."""

    def __init__(self, budget: RemainingTime) -> None:
        remaining = budget.get_remaining_time_in_millis() / 1000
        self.calls_end = time.monotonic() + remaining - min(FINISH_RESERVE_S, remaining * FINISH_SHARE)
        self.call_reserve_s = min(CALL_RESERVE_S, remaining * RESERVE_SHARE)
        self._slowest = 0.0
        self._lock = threading.Lock()

    def observe(self, seconds: float) -> None:
        """A call (answered or failed) took `seconds`."""
        with self._lock:
            self._slowest = max(self._slowest, seconds)

    def latest_start(self) -> float:
        """The monotonic time after which no call starts and no wait or backoff ends."""
        with self._lock:
            slowest = self._slowest
        return self.calls_end - max(self.call_reserve_s, slowest * SLOWEST_FACTOR)


class TimeLeft:
    """When to stop taking channels: the budget runs low, or the run halts (a cell hit an error
    that ends the invocation). Shared by the cells of one invocation."""

    def __init__(self, budget: RemainingTime, stop_margin_s: float) -> None:
        self._budget = budget
        # Capped at a quarter of the budget so that a short timeout still makes progress instead
        # of stopping at once and continuing itself forever.
        self._margin_ms = min(stop_margin_s * 1000, budget.get_remaining_time_in_millis() / 4)
        self._halted = threading.Event()

    def halt(self) -> None:
        self._halted.set()

    def low(self, progressed: bool) -> bool:
        """True when no channel should start. Until one channel is done (`progressed`), only an
        exhausted budget stops: a run always moves forward even when start-up (lease, registry
        scan) ate most of a short budget."""
        if self._halted.is_set():
            return True
        remaining = self._budget.get_remaining_time_in_millis()
        return remaining <= 0 or (progressed and remaining <= self._margin_ms)
