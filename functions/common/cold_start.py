"""A function's dependencies built in Lambda's INIT phase rather than on its first invocation."""

from __future__ import annotations

import os
from collections.abc import Callable


def build_at_init(dependencies: Callable[[], object]) -> None:
    """On Lambda (which sets AWS_LAMBDA_INITIALIZATION_TYPE for on-demand, provisioned-concurrency
    and SnapStart starts), build them now: INIT runs at full CPU, a SnapStart snapshot keeps what it
    built, and a bad configuration fails the start naming the variable, before any invocation.
    Tests build per test."""
    if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE"):
        dependencies()
