"""The sweep: a camera with no confirmation (connect event or config check-in) for longer than the
window is marked UNREACHABLE and announced once; the next sweep finds it no longer OK."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from functions.common.outbound import OutboundPublisher
from functions.common.registry import Registry, event_time_key

# The ChangeReport cause: a periodic look found the change.
SWEEP_CAUSE = "PERIODIC_POLL"


@dataclass(frozen=True)
class SweepResult:
    marked: int
    complete: bool


class Sweep:
    def __init__(
        self,
        registry: Registry,
        publisher: OutboundPublisher,
        window_seconds: int,
        *,
        excluded: frozenset[str] = frozenset(),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._registry = registry
        self._publisher = publisher
        self._window = window_seconds
        self._excluded = excluded
        self._clock = clock

    def run(self, time_left: Callable[[], float]) -> SweepResult:
        """Mark silent cameras while `time_left()` is positive; the next run continues the work
        (marked and settled cameras drop out of the index)."""
        now = self._clock()
        cutoff = int(now) - self._window
        since = event_time_key(datetime.fromtimestamp(now, UTC))
        run_id = f"sweep-{uuid.uuid4()}"
        marked = 0
        for device_id in self._registry.silent_cameras(cutoff):
            if time_left() <= 0:
                return SweepResult(marked, complete=False)
            if device_id in self._excluded:
                continue  # a canary camera: silent means the canary is off, and it says so itself
            if self._registry.mark_silent(device_id, cutoff, since, SWEEP_CAUSE):
                self._publisher.connectivity_changed(device_id, run_id)
                marked += 1
            else:
                self._registry.settle_sweep_entry(device_id)
        return SweepResult(marked, complete=True)
