"""KVS signaling channel access for rotation: listing and tagging under rate limits, with retries.

Every call waits for its operation's account-wide limiter (each KVS operation has its own quota)
and, for per-channel calls, the channel's limiter. Throttling and server errors are retried here,
not by botocore, so that each retry waits for the limiters too. No call, limiter wait or backoff
goes past the invocation's cutoff: it raises OutOfTime instead (see budget.py).
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError
from pydantic import BaseModel, ConfigDict

from functions.common import aws_clients
from functions.tag_rotation.budget import OutOfTime
from functions.tag_rotation.rate_limit import RateLimiter

if TYPE_CHECKING:
    from mypy_boto3_kinesisvideo import KinesisVideoClient

LIST_CHANNELS = "ListSignalingChannels"
LIST_TAGS = "ListTagsForResource"
TAG = "TagResource"
UNTAG = "UntagResource"
OPERATIONS = (LIST_CHANNELS, LIST_TAGS, TAG, UNTAG)
# Failures below the HTTP layer (refused, reset, timed out): retried like throttling.
TRANSPORT_ERRORS = (BotocoreConnectionError, HTTPClientError)
# The largest page ListSignalingChannels serves: one call names 10,000 channels.
MAX_LIST_PAGE = 10_000
BACKOFF_BASE_S, BACKOFF_CAP_S = 0.1, 5.0


class ListedChannel(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    arn: str


def kvs_client() -> KinesisVideoClient:
    # One attempt at the botocore level: retries happen in ChannelGateway, behind the limiters.
    return aws_clients.client("kinesisvideo", connect_timeout=2.0, read_timeout=10.0, max_attempts=1)


def _retryable(exc: ClientError) -> bool:
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    return aws_clients.error_code(exc) in aws_clients.THROTTLING_CODES or status >= 500


class ChannelGateway:
    def __init__(
        self,
        kvs: KinesisVideoClient,
        *,
        account_tps: int,
        max_attempts: int,
        until: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._kvs = kvs
        self._until = until
        self._limiters = {op: RateLimiter(account_tps) for op in OPERATIONS}
        self._max_attempts = max_attempts
        self._sleep = sleep
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.throttles = 0

    def list_page(
        self, prefix: str, page_size: int, token: str | None
    ) -> tuple[list[ListedChannel], str | None]:
        """One page of live channels named `prefix*` and the token of the next page (None: last)."""
        kwargs: dict[str, Any] = {
            "MaxResults": page_size,
            "ChannelNameCondition": {"ComparisonOperator": "BEGINS_WITH", "ComparisonValue": prefix},
        }
        if token is not None:
            kwargs["NextToken"] = token
        page = self._call(LIST_CHANNELS, None, **kwargs)
        channels = [
            ListedChannel(name=info["ChannelName"], arn=info["ChannelARN"])
            for info in page.get("ChannelInfoList", [])
            if info.get("ChannelStatus") != "DELETING"
        ]
        return channels, page.get("NextToken") or None

    def list_names(self, prefix: str) -> set[str]:
        """Every channel name with the prefix, in as few calls as the API allows."""
        names: set[str] = set()
        token: str | None = None
        while True:
            channels, token = self.list_page(prefix, MAX_LIST_PAGE, token)
            names.update(c.name for c in channels)
            if token is None:
                return names

    def list_tags(self, arn: str, channel: RateLimiter) -> dict[str, str]:
        tags: dict[str, str] = {}
        kwargs: dict[str, Any] = {"ResourceARN": arn}
        while True:
            page = self._call(LIST_TAGS, channel, **kwargs)
            tags.update(page.get("Tags", {}))
            if not page.get("NextToken"):
                return tags
            kwargs["NextToken"] = page["NextToken"]

    def tag(self, arn: str, tags: dict[str, str], channel: RateLimiter) -> None:
        self._call(TAG, channel, ResourceARN=arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])

    def untag(self, arn: str, keys: list[str], channel: RateLimiter) -> None:
        self._call(UNTAG, channel, ResourceARN=arn, TagKeyList=keys)

    def drain_stats(self) -> tuple[Counter[str], int]:
        """Calls by operation and throttles since the last drain."""
        with self._lock:
            calls, throttles = self.calls, self.throttles
            self.calls, self.throttles = Counter(), 0
        return calls, throttles

    def _call(self, operation: str, channel: RateLimiter | None, **kwargs: Any) -> dict[str, Any]:
        method = getattr(self._kvs, _snake(operation))
        attempt = 0
        while True:
            attempt += 1
            if time.monotonic() >= self._until:
                raise OutOfTime
            # The channel's limiter first: it may sleep, and an account-wide slot taken before that
            # sleep would be spent late, bunching the account's calls.
            if channel is not None:
                channel.acquire(self._until)
            self._limiters[operation].acquire(self._until)
            with self._lock:
                self.calls[operation] += 1
            try:
                response: dict[str, Any] = method(**kwargs)
                return response
            except ClientError as exc:
                if not _retryable(exc) or attempt >= self._max_attempts:
                    raise
                if aws_clients.error_code(exc) in aws_clients.THROTTLING_CODES:
                    with self._lock:
                        self.throttles += 1
            except TRANSPORT_ERRORS:
                if attempt >= self._max_attempts:
                    raise
            # Full jitter: workers throttled together must not retry together.
            backoff = random.uniform(0, min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2**attempt))  # noqa: S311
            if time.monotonic() + backoff >= self._until:
                raise OutOfTime
            self._sleep(backoff)


def _snake(operation: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_")
