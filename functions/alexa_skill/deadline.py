"""One deadline per directive, enforced even where socket timeouts cannot fire.

Under moto's in-process mock no socket is used, and on AWS a KVS offer to an absent master can
hang until its TTL: a call is therefore run on a worker thread and waited on for the time left,
so Alexa gets an answer before its six-second limit whatever the call does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Executor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

T = TypeVar("T")


class DeadlineExceeded(Exception):
    """The directive's time ran out before the call finished."""


class Deadline:
    def __init__(self, seconds: float, *, start: float | None = None) -> None:
        """`start` is a time.monotonic() reading, when the clock started before this object."""
        self._end = (time.monotonic() if start is None else start) + seconds

    def remaining(self) -> float:
        return max(0.0, self._end - time.monotonic())

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
