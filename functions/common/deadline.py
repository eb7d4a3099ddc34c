"""The one deadline every function works to: a time.monotonic() instant, or never.

The skill's directive has Alexa's limit; a lifecycle record gets a share of its invocation; a
rotation run stops before its invocation ends. A deadline also stands in for a Lambda context's
`get_remaining_time_in_millis`, for runs outside Lambda (the local cloud, a benchmark).

Under moto's in-process mock no socket is used, and on AWS a KVS offer to an absent master can
hang until its TTL: `run` therefore calls on a worker thread and waits for the time left, so the
caller gets control back when the deadline passes whatever the call does.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from concurrent.futures import Executor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Protocol, TypeVar

T = TypeVar("T")
# What Lambda's context answers at most (its int is 32 bits wide).
MAX_REMAINING_MS = 2**31 - 1


class DeadlineExceeded(Exception):
    """The time ran out before the call finished."""


class RemainingTime(Protocol):
    """The part of a Lambda context that tells the time left."""

    def get_remaining_time_in_millis(self) -> int: ...


class Deadline:
    def __init__(self, seconds: float | None = None, *, start: float | None = None) -> None:
        """`seconds` from `start` (a time.monotonic() reading; now when None); never, without seconds."""
        origin = time.monotonic() if start is None else start
        self._end = math.inf if seconds is None else origin + seconds

    @classmethod
    def of_invocation(cls, context: RemainingTime, reserve_s: float = 0.0) -> Deadline:
        """The invocation's end, minus `reserve_s` kept for reporting and flushing metrics."""
        return cls(context.get_remaining_time_in_millis() / 1000 - reserve_s)

    def remaining(self) -> float:
        """Seconds left (0 once passed; infinite for a deadline that never comes)."""
        return max(0.0, self._end - time.monotonic())

    def require(self, seconds: float) -> None:
        """DeadlineExceeded unless more than `seconds` are left: what is not started cannot overrun."""
        if self.remaining() <= seconds:
            raise DeadlineExceeded

    def earlier(self, seconds: float) -> Deadline:
        """This deadline moved `seconds` earlier (time kept for what follows)."""
        sooner = Deadline()
        sooner._end = self._end - seconds
        return sooner

    def within(self, seconds: float) -> Deadline:
        """This deadline, or `seconds` from now if that comes first."""
        sooner = Deadline()
        sooner._end = min(self._end, time.monotonic() + seconds)
        return sooner

    def get_remaining_time_in_millis(self) -> int:
        return int(min(self.remaining() * 1000, MAX_REMAINING_MS))

    def run(self, executor: Executor, call: Callable[[], T]) -> T:
        """`call()` on a worker, or DeadlineExceeded once the deadline passes (the worker is left
        to finish on its own: its socket timeouts, also set from the deadline, end it)."""
        if self.remaining() <= 0:
            raise DeadlineExceeded
        future = executor.submit(call)
        try:
            return future.result(timeout=self.remaining())
        except FutureTimeout:
            future.cancel()
            raise DeadlineExceeded from None
