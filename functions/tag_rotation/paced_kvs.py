"""KVS access for rotation: the adapter's listing and tagging, paced by rate limiters, retried.

Every call waits for its operation's account-wide limiter (each KVS operation has its own quota;
one PacedKvs per cell, as quotas are per account)
and, for per-channel calls, the channel's limiter. Retries follow the one KVS retry policy
(functions.common.kvs.retry), not botocore's, so that each retry waits for the limiters too. No
call, limiter wait or backoff goes past the invocation's cutoff: it raises OutOfTime instead (see
budget.py). Each call's duration feeds the cutoff, and the client's timeouts fit in its reserve.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from functions.common.deadline import Deadline, DeadlineExceeded
from functions.common.kvs import clients
from functions.common.kvs.control_plane import (
    LIST_CHANNELS,
    LIST_TAGS,
    TAG,
    UNTAG,
    ChannelControl,
    ListedChannel,
)
from functions.common.kvs.errors import Throttled
from functions.common.kvs.retry import RetryPolicy
from functions.tag_rotation.budget import Cutoff, OutOfTime
from functions.tag_rotation.rate_limit import RateLimiter

if TYPE_CHECKING:
    from functions.common.cells.config import Cell
    from functions.common.kvs.clients import ControlPlaneClient

T = TypeVar("T")
OPERATIONS = (LIST_CHANNELS, LIST_TAGS, TAG, UNTAG)
# One attempt at the botocore level: retries happen here, behind the limiters.
KVS_LIMITS = clients.ClientLimits(connect_timeout=2.0, read_timeout=10.0, max_attempts=1)
BACKOFF_BASE_S, BACKOFF_CAP_S = 0.1, 5.0


def kvs_client(cell: Cell, call_reserve_s: float = math.inf) -> ControlPlaneClient:
    """The cell's control-plane client (a remote cell's through its role), its connect and read
    timeouts no longer than `call_reserve_s` (in tenths of a second, so clients are few; at least
    one tenth, as urllib3 refuses 0)."""
    bound = max(0.1, math.ceil(call_reserve_s * 10) / 10) if call_reserve_s < math.inf else math.inf
    limits = KVS_LIMITS._replace(
        connect_timeout=min(KVS_LIMITS.connect_timeout, bound),
        read_timeout=min(KVS_LIMITS.read_timeout, bound),
    )
    return clients.control_plane(limits, cell=cell)


class PacedKvs:
    def __init__(
        self,
        kvs: ControlPlaneClient,
        *,
        account_tps: int,
        max_attempts: int,
        cutoff: Cutoff,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._kvs = kvs
        self._cutoff = cutoff
        self._limiters = {op: RateLimiter.account_wide(account_tps) for op in OPERATIONS}
        self._retries = RetryPolicy(max_attempts=max_attempts, base_s=BACKOFF_BASE_S, cap_s=BACKOFF_CAP_S)
        self._sleep = sleep
        self._lock = threading.Lock()
        self._account = ChannelControl(kvs, around=partial(self._paced, None))
        self.calls: Counter[str] = Counter()
        self.throttles = 0

    def list_page(
        self, prefix: str, page_size: int, token: str | None
    ) -> tuple[list[ListedChannel], str | None]:
        """One page of live channels named `prefix*` and the token of the next page (None: last)."""
        return self._account.list_page(prefix, page_size, token)

    def list_names(self, prefix: str) -> set[str]:
        """Every channel name with the prefix, in as few calls as the API allows."""
        return self._account.list_names(prefix)

    def list_tags(self, arn: str, channel: RateLimiter) -> dict[str, str]:
        return self._of_channel(channel).tags(arn)

    def tag(self, arn: str, tags: dict[str, str], channel: RateLimiter) -> None:
        self._of_channel(channel).tag(arn, tags)

    def untag(self, arn: str, keys: list[str], channel: RateLimiter) -> None:
        self._of_channel(channel).untag(arn, keys)

    def drain_stats(self) -> tuple[Counter[str], int]:
        """Calls by operation and throttles since the last drain."""
        with self._lock:
            calls, throttles = self.calls, self.throttles
            self.calls, self.throttles = Counter(), 0
        return calls, throttles

    def _of_channel(self, channel: RateLimiter) -> ChannelControl:
        return ChannelControl(self._kvs, around=partial(self._paced, channel))

    def _paced(self, channel: RateLimiter | None, operation: str, call: Callable[[], T]) -> T:
        def attempt() -> T:
            if time.monotonic() >= self._cutoff.latest_start():
                raise OutOfTime  # before any limiter: a refused call takes no slot
            # The channel's limiter first: it may sleep, and an account-wide slot taken before that
            # sleep would be spent late, bunching the account's calls.
            if channel is not None:
                channel.acquire(self._cutoff.latest_start())
            self._limiters[operation].acquire(self._cutoff.latest_start())
            # Read again after the waits: a slow call answered meanwhile moves the cutoff earlier.
            started = time.monotonic()
            if started >= self._cutoff.latest_start():
                raise OutOfTime
            with self._lock:
                self.calls[operation] += 1
            try:
                return call()
            finally:
                self._cutoff.observe(time.monotonic() - started)

        # No backoff ends past the cutoff as it stands now; each attempt checks it again.
        backoff_until = Deadline(0.0, start=self._cutoff.latest_start())
        try:
            return self._retries.call(
                attempt, backoff_until, on_retry=self._count_throttle, sleep=self._sleep
            )
        except DeadlineExceeded:
            raise OutOfTime from None

    def _count_throttle(self, exc: BaseException) -> None:
        if isinstance(exc, Throttled):
            with self._lock:
                self.throttles += 1
