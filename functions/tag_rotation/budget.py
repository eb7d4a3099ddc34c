"""The invocation's time budget, and the cutoff after which nothing may start or still wait.

Rotation stops taking channels when the budget runs low (the stop margin), but channels already
under way may still wait for a rate limiter or back off and retry. No KVS call starts after the
cutoff, and no limiter wait or backoff ends after it: OutOfTime is raised instead, the channel is
left for the next invocation, and the run checkpoints and returns within its budget.
"""

from __future__ import annotations

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
