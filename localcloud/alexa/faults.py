"""Fault switches of the emulated LWA token endpoint and event gateway: answer the next requests
with an HTTP error, or delay every answer. Thread-safe: tests flip them from another thread."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class Fault:
    status: int
    remaining: int | None  # None: until cleared
    code: str | None = None  # the error code to answer with, when not the status's usual one


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.latency_s = 0.0

    def fail(self, status: int, count: int | None = 1, code: str | None = None) -> None:
        """The next `count` requests (all, when None) are answered with `status` (and `code`)."""
        with self._lock:
            self._faults.append(Fault(status, count, code))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self.latency_s = 0.0

    def take(self) -> Fault | None:
        """The fault the current request must fail with, if any."""
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.pop(0)
            return fault
