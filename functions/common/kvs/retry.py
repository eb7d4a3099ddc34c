"""The one retry policy for KVS calls: full-jitter exponential backoff, bounded by a deadline.

botocore's own retries know nothing of a function's deadline and do not treat KVS's
ClientLimitExceededException as throttling, so KVS clients make one attempt each and callers retry
through a `RetryPolicy` instead. Full jitter spreads the retries of many workers throttled at the
same moment.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from functions.common.deadline import Deadline, DeadlineExceeded
from functions.common.kvs.errors import Throttled, Transient

T = TypeVar("T")
# The one list of errors worth the same call again: throttling, service faults, transport
# failures. A busy channel (ChannelBusy) is not among them: it may stay busy for minutes, so a
# caller that waits for one does so with a short budget of its own.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (Throttled, Transient)


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, TRANSIENT_ERRORS)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    base_s: float
    cap_s: float

    def call(
        self,
        call: Callable[[], T],
        deadline: Deadline,
        *,
        retry_on: Callable[[BaseException], bool] = is_transient,
        on_retry: Callable[[BaseException], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> T:
        """`call()`, retried while `retry_on` says so (`on_retry` sees each error it retries). When
        attempts run out the last error is raised; when the next backoff would end past the
        deadline, DeadlineExceeded (from that error)."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return call()
            except Exception as exc:
                if not retry_on(exc) or attempt >= self.max_attempts:
                    raise
                if on_retry is not None:
                    on_retry(exc)
                delay = random.uniform(0, min(self.cap_s, self.base_s * 2**attempt))  # noqa: S311
                if delay >= deadline.remaining():
                    raise DeadlineExceeded from exc
                sleep(delay)
