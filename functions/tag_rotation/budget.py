"""The invocation's time budget, and the cutoff after which nothing may start or still wait.

Rotation stops taking channels when the budget runs low (the stop margin), but channels already
under way may still wait for a rate limiter or back off and retry. No KVS call starts after the
cutoff, and no limiter wait or backoff ends after it: OutOfTime is raised instead, the channel is
left for the next invocation, and the run checkpoints and returns within its budget.
"""

from __future__ import annotations

import threading
import time

from functions.common.deadline import RemainingTime

# Kept between the cutoff and the end of the budget: one call in flight at the cutoff (at most
# the KVS client's connect + read timeouts) and the checkpoint write. Capped at a tenth of the
# budget, so that a short budget still leaves time for work.
CALL_RESERVE_S = 12.0
RESERVE_SHARE = 0.1


class OutOfTime(Exception):
    """Waiting or retrying any longer would outlast the invocation: stop and checkpoint."""


def cutoff(budget: RemainingTime) -> float:
    """The monotonic time after which no call starts and no wait or backoff ends."""
    remaining = budget.get_remaining_time_in_millis() / 1000
    return time.monotonic() + remaining - min(CALL_RESERVE_S, remaining * RESERVE_SHARE)


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
