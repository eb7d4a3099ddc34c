"""A record of every emulated call, for tests and the local cloud to assert on."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

# Bounded so a long-running local cloud does not grow without limit.
MAX_RECORDS = 100_000


@dataclass(frozen=True)
class CallRecord:
    operation: str
    channel_arn: str | None
    outcome: str  # "ok" or the AWS error code
    timestamp: float  # time.time() when the call finished
    account_id: str
    region: str


_records: deque[CallRecord] = deque(maxlen=MAX_RECORDS)
_lock = threading.Lock()


def record(entry: CallRecord) -> None:
    with _lock:
        _records.append(entry)


def calls() -> list[CallRecord]:
    """Every emulated call since the last clear_calls(), oldest first (moto's reset keeps them)."""
    with _lock:
        return list(_records)


def clear_calls() -> None:
    with _lock:
        _records.clear()
