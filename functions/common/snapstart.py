"""SnapStart's after-restore hooks, through the Lambda runtime's `snapshot_restore_py`.

The module exists only in Lambda's Python runtime (3.12 and later); elsewhere (tests, local runs)
there is no snapshot to restore, so registering does nothing.
"""

from __future__ import annotations

from collections.abc import Callable


def after_restore(hook: Callable[[], None]) -> bool:
    """Run `hook` each time a SnapStart snapshot is restored; False where there are no snapshots."""
    try:
        from snapshot_restore_py import register_after_restore  # noqa: PLC0415 (Lambda's runtime only)
    except ImportError:
        return False
    register_after_restore(hook)
    return True
