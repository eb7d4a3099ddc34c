"""DynamoDB's per-request atomicity for moto.

DynamoDB applies each request (a conditional write, a transaction) atomically. moto checks a
condition and writes in separate steps, and a failed transaction restores a copy of the whole
table taken when it began, undoing writes other threads made meanwhile. Code that relies on
conditional writes under concurrency (cell placement) is only testable once each request runs
alone, as here: one lock around moto's DynamoDB request handling.
"""

from __future__ import annotations

import threading
from typing import Any

from moto.dynamodb.responses import DynamoHandler

_lock = threading.RLock()
_installed = False


def install() -> None:
    """Serialize moto's DynamoDB requests (idempotent; for the whole process)."""
    global _installed  # noqa: PLW0603 (moto's handler is process-wide: so is this switch)
    with _lock:
        if _installed:
            return
        call_action = DynamoHandler.call_action

        def atomic_call_action(self: DynamoHandler, *args: Any, **kwargs: Any) -> Any:
            with _lock:
                return call_action(self, *args, **kwargs)

        DynamoHandler.call_action = atomic_call_action  # type: ignore[method-assign]
        _installed = True
