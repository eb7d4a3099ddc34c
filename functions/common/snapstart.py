"""SnapStart's after-restore hooks, through the Lambda runtime's `snapshot_restore_py`.

The module exists only in Lambda's Python runtime (3.12 and later); elsewhere (tests, local runs)
there is no snapshot to restore, so registering does nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable


def taking_snapshot() -> bool:
    """True in the INIT whose state a SnapStart snapshot keeps (Lambda's "snap-start" type)."""
    return os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start"


def after_restore(hook: Callable[[], None]) -> bool:
    """Run `hook` each time a SnapStart snapshot is restored; False where there are no snapshots."""
    try:
        from snapshot_restore_py import register_after_restore  # noqa: PLC0415 (Lambda's runtime only)
    except ImportError:
        return False
    register_after_restore(hook)
    return True
