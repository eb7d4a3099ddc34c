"""Retries of transient AWS errors with backoff, bounded by the invocation's remaining time.

botocore's own retries know nothing of the Lambda deadline and do not treat KVS's
ClientLimitExceededException as throttling, so KVS calls are retried here instead: full-jitter
exponential backoff while the invocation has time left, then `TransientError`, which fails only
that record so SQS delivers it again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Protocol, TypeVar

from botocore.exceptions import ClientError, ConnectionError, ReadTimeoutError

from functions.common.aws_clients import THROTTLING_CODES, error_code
from functions.common.deadline import Deadline

T = TypeVar("T")

# Throttling and service faults: the same call can succeed a moment later. A busy channel
# (ResourceInUseException) is not among them: it may stay busy for minutes, so the caller gives it
# a short budget of its own (see channels.py and logic.py).
TRANSIENT_CODES = THROTTLING_CODES | frozenset(
    {
        "LimitExceededException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalFailure",
        "InternalServerError",
    }
)
BASE_DELAY_S, MAX_DELAY_S = 0.05, 2.0


class TransientError(RuntimeError):
    """Retrying ran out of time (or attempts); the record should be delivered again later."""


class LambdaContextLike(Protocol):
    @property
    def invoked_function_arn(self) -> str: ...

    def get_remaining_time_in_millis(self) -> int: ...


def check(deadline: Deadline, what: str) -> None:
    if deadline.remaining() <= 0:
        raise TransientError(f"no time left in this invocation for {what}")


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, ConnectionError | ReadTimeoutError):
        return True
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error_code(exc) in TRANSIENT_CODES or status >= 500
    return False


def with_retries(
    call: Callable[[], T],
    deadline: Deadline,
    what: str,
    *,
    transient: Callable[[BaseException], bool] = is_transient,
    max_attempts: int = 12,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """`call()`, retried on transient errors while attempts and the deadline allow."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return call()
        except Exception as exc:
            if not transient(exc):
                raise
            # Full jitter spreads retries of many records throttled at the same moment.
            delay = random.uniform(0, min(MAX_DELAY_S, BASE_DELAY_S * 2**attempt))  # noqa: S311
            if attempt >= max_attempts or delay >= deadline.remaining():
                raise TransientError(f"{what}: {error_code(exc)} persisted after {attempt} attempts") from exc
            sleep(delay)
