"""A thread-safe sliding-window rate limiter over the times calls were actually let through.

At most `burst` calls start in any window of `burst / rate` seconds, so never more than `rate` in
any second (rates are whole calls per second, as AWS quotas are). With burst 1 calls are evenly
spaced, which keeps an account-wide quota safe even when many threads wait at once; burst = rate
lets a channel's few calls go back to back while still honouring its own quota.

The window counts admission times read from the clock after the wait, not reserved slots: a
thread that wakes late (a loaded machine) delays the calls after it instead of leaving them a
shorter gap. Waiters queue on the lock, so only the next call to go is asleep.

An account-wide quota's limiter (`account_wide`) takes the largest burst that still keeps every
second under the rate: with burst b, at most b + rate / (1 + slack) calls start in any second, so
b <= rate * slack / (1 + slack) (1 below 42/s, 7 at 150/s). A late wake-up then costs a fraction
of a gap instead of a whole one.

A caller may say by when it needs its slot (`until`): a slot that would come later, or a queue
that does not clear in time, raises OutOfTime without taking a slot.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from functions.tag_rotation.budget import OutOfTime

# Windows are stretched by 5 %: a call reaches the service a few milliseconds after its slot
# (thread wake-up, request signing), and that jitter must not push a window over the quota.
JITTER_SLACK = 0.05


class RateLimiter:
    def __init__(
        self,
        rate: int,
        burst: int = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self._window = burst / rate * (1 + JITTER_SLACK)
        self._starts: deque[float] = deque(maxlen=burst)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()

    @classmethod
    def account_wide(
        cls,
        rate: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> RateLimiter:
        """The limiter of an account's quota of `rate` calls per second (see the module's note)."""
        burst = max(1, math.floor(rate * JITTER_SLACK / (1 + JITTER_SLACK)))
        return cls(rate, burst, clock=clock, sleep=sleep)

    def acquire(self, until: float = math.inf) -> float:
        """Wait for the next free slot, at the latest `until` (the clock's time); returns the wait."""
        began = now = self._clock()
        if not self._lock.acquire(timeout=-1 if until == math.inf else max(0.0, until - began)):
            raise OutOfTime
        try:
            now = self._clock()
            while (
                len(self._starts) == self._starts.maxlen
                and (delay := self._starts[0] + self._window - now) > 0
            ):
                if now + delay > until:
                    raise OutOfTime
                self._sleep(delay)
                now = self._clock()
            self._starts.append(now)
        finally:
            self._lock.release()
        return now - began
