"""Faults on demand: the documented TPS quotas, the channel quota, injected latency and errors.

The state lives in a moto backend, so mock_aws and ``/moto-api/reset`` clear it with everything
else; ``reset_faults()`` clears it explicitly.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass

from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.models import DEFAULT_ACCOUNT_ID

from .exceptions import ClientLimitExceededException

OPERATIONS = (
    "CreateSignalingChannel",
    "DescribeSignalingChannel",
    "ListSignalingChannels",
    "UpdateSignalingChannel",
    "DeleteSignalingChannel",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
    "GetSignalingChannelEndpoint",
    "SendAlexaOfferToMaster",
    "GetIceServerConfig",
)

# (per account and region, per channel) in transactions per second, from the KVS quotas page.
# GetIceServerConfig has no published account quota; 5 per channel matches the signaling limits.
TPS_QUOTAS: dict[str, tuple[int | None, int | None]] = {
    "CreateSignalingChannel": (50, None),
    "DescribeSignalingChannel": (300, None),
    "GetSignalingChannelEndpoint": (300, None),
    "ListSignalingChannels": (50, None),
    "UpdateSignalingChannel": (50, 5),
    "DeleteSignalingChannel": (50, 5),
    "TagResource": (50, 5),
    "UntagResource": (50, 5),
    "ListTagsForResource": (50, 5),
    "SendAlexaOfferToMaster": (100, 5),
    "GetIceServerConfig": (None, 5),
}

WINDOW_S = 1.0


@dataclass
class Injection:
    error: str | None
    latency_s: float
    remaining: int | None  # None: every call
    message: str
    status: int | None
    account: str | None  # None: every account


class FaultState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.quotas_enabled = False
        self.quota_scale = 1.0
        self.channel_limit: int | None = None
        self.injections: dict[str, list[Injection]] = {}
        # Admitted call times per (account, region, operation, channel or "*"): a sliding window.
        self.windows: dict[tuple[str, str, str, str], deque[float]] = {}

    def take_injection(self, operation: str, account: str) -> Injection | None:
        with self.lock:
            queue = self.injections.get(operation, [])
            current = next((i for i in queue if i.account in (None, account)), None)
            if current is not None and current.remaining is not None:
                current.remaining -= 1
                if current.remaining <= 0:
                    queue.remove(current)
            return current

    def _scaled(self, tps: int) -> int:
        return max(1, round(tps * self.quota_scale))

    def admit(self, account: str, region: str, operation: str, channel_arn: str | None) -> None:
        """Raise ClientLimitExceededException when the call would go over a quota."""
        if not self.quotas_enabled:
            return
        account_tps, channel_tps = TPS_QUOTAS[operation]
        scopes: list[tuple[tuple[str, str, str, str], int]] = []
        if account_tps is not None:
            scopes.append(((account, region, operation, "*"), self._scaled(account_tps)))
        if channel_tps is not None and channel_arn is not None:
            scopes.append(((account, region, operation, channel_arn), self._scaled(channel_tps)))
        now = time.monotonic()
        with self.lock:
            windows = [self.windows.setdefault(key, deque()) for key, _ in scopes]
            for window, (_, limit) in zip(windows, scopes, strict=True):
                while window and window[0] <= now - WINDOW_S:
                    window.popleft()
                if len(window) >= limit:
                    raise ClientLimitExceededException(
                        f"{operation} exceeded {limit} TPS; slow down and retry with backoff.",
                    )
            # Only admitted calls count, as with AWS throttling.
            for window in windows:
                window.append(now)


class FaultBackend(BaseBackend):
    """Holder of the fault state so that moto's reset clears it."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.state = FaultState()


fault_backends = BackendDict(
    FaultBackend, "kinesisvideo", use_boto3_regions=False, additional_regions=["aws"]
)


def state() -> FaultState:
    # One process-wide state (kept under the default account); scopes inside it carry the account.
    backend: FaultBackend = fault_backends[DEFAULT_ACCOUNT_ID]["aws"]
    return backend.state


def enable_quotas(scale: float = 1.0) -> None:
    """Answer calls over the documented TPS quotas with ClientLimitExceededException.

    ``scale`` multiplies every quota (at least 1 TPS each): a machine slower than AWS can still
    drive a burst at several times the quota, as a fleet would on AWS."""
    if scale <= 0:
        raise ValueError(f"quota scale must be > 0, got {scale}")
    current = state()
    with current.lock:
        current.quota_scale = scale
        current.quotas_enabled = True


def disable_quotas() -> None:
    current = state()
    with current.lock:
        current.quotas_enabled = False
        current.quota_scale = 1.0
        current.windows.clear()


def set_channel_limit(limit: int | None) -> None:
    """Channels per account and region, below AWS's quota (None: AWS's, as models.py enforces)."""
    if limit is not None and limit < 0:
        raise ValueError(f"channel limit must be >= 0, got {limit}")
    state().channel_limit = limit


def inject(
    operation: str,
    *,
    error: str | None = None,
    latency_s: float = 0.0,
    times: int | None = None,
    message: str = "Injected fault",
    status: int | None = None,
    account: str | None = None,
) -> None:
    """Make the next ``times`` calls of ``operation`` (every call when None) slow and/or fail.

    ``error`` is an AWS error code such as "ClientLimitExceededException"; its HTTP status comes
    from the service model unless ``status`` is given. ``account`` limits the injection to calls in
    that account (one cell of several). Injections queue up in order.
    """
    if operation not in OPERATIONS:
        raise ValueError(f"unknown operation {operation!r}; expected one of {', '.join(OPERATIONS)}")
    if times is not None and times < 1:
        raise ValueError("times must be >= 1 or None")
    if latency_s < 0:
        raise ValueError("latency_s must be >= 0")
    current = state()
    with current.lock:
        current.injections.setdefault(operation, []).append(
            Injection(error, latency_s, times, message, status, account)
        )


def reset_faults() -> None:
    """Quotas off, default channel limit, no injections."""
    current = state()
    with current.lock:
        current.quotas_enabled = False
        current.quota_scale = 1.0
        current.channel_limit = None
        current.injections.clear()
        current.windows.clear()
