"""The lifecycle's view of a device's signaling channel, on the KVS adapter (functions.common.kvs).

Every call is retried by the one KVS retry policy within the record's deadline; throttling or a
fault that outlasts it becomes `TransientError`, which fails only that record so SQS delivers it
again. A busy channel (CREATING, UPDATING or DELETING) becomes `ChannelNotSettled`, which the logic
retries only briefly: a channel can stay DELETING for minutes, and waiting for it here would
starve the rest of the batch. This module is where the lifecycle maps KVS's neutral errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from functions.common.deadline import Deadline, DeadlineExceeded
from functions.common.kvs import clients
from functions.common.kvs.control_plane import ChannelControl, ChannelDescription
from functions.common.kvs.errors import ChannelBusy, ChannelNotFound, VersionMismatch
from functions.common.kvs.retry import TRANSIENT_ERRORS, RetryPolicy

if TYPE_CHECKING:
    from functions.common.cells.config import Cell
    from functions.common.kvs.clients import ControlPlaneClient

T = TypeVar("T")
# Re-reads of the channel version when a concurrent update changed it under us.
MAX_VERSION_RETRIES = 5
# One attempt at the botocore level: retries happen here, within the record's deadline.
KVS_LIMITS = clients.ClientLimits(connect_timeout=2.0, read_timeout=5.0, max_attempts=1)
RETRIES = RetryPolicy(max_attempts=12, base_s=0.05, cap_s=2.0)


class TransientError(RuntimeError):
    """Retrying ran out of time (or attempts); the record should be delivered again later."""


class ChannelNotSettled(RuntimeError):
    """The channel is mid-transition (being deleted, or changing under us): try again shortly."""


class ChannelVanished(ChannelNotSettled):
    """The channel vanished between two calls; the caller starts over."""


def kvs_client(cell: Cell) -> ControlPlaneClient:
    """The control plane of `cell` (a remote one through its role's cached credentials)."""
    return clients.control_plane(KVS_LIMITS, cell=cell)


class LifecycleChannels:
    def __init__(self, kvs: ControlPlaneClient, deadline: Deadline) -> None:
        self._deadline = deadline
        self._control = ChannelControl(kvs, around=self._retried)

    def _retried(self, operation: str, call: Callable[[], T]) -> T:
        try:
            return RETRIES.call(call, self._deadline)
        except ChannelBusy as exc:
            raise ChannelNotSettled(f"{operation}: the channel is busy") from exc
        except TRANSIENT_ERRORS as exc:
            raise TransientError(
                f"{operation}: {exc} persisted after {RETRIES.max_attempts} attempts"
            ) from exc
        except DeadlineExceeded as exc:
            raise TransientError(
                f"{operation}: {exc.__cause__} persisted until the record's deadline"
            ) from exc

    def describe(self, name: str) -> ChannelDescription | None:
        try:
            return self._control.describe(name=name)
        except ChannelNotFound:
            return None

    def create(self, name: str, message_ttl_seconds: int, tags: dict[str, str]) -> str | None:
        """The new channel's ARN, or None when a channel of that name already exists."""
        try:
            return self._control.create(name, message_ttl_seconds, tags)
        except ChannelNotSettled:
            # On create, ResourceInUse means "the name is taken".
            return None

    def tags(self, arn: str) -> dict[str, str]:
        return self._control.tags(arn)

    def tag(self, arn: str, tags: dict[str, str]) -> None:
        self._control.tag(arn, tags)

    def untag(self, arn: str, keys: list[str]) -> None:
        self._control.untag(arn, keys)

    def set_message_ttl(self, channel: ChannelDescription, message_ttl_seconds: int) -> bool:
        """Make the channel's message TTL this value; False when it already was.

        UpdateSignalingChannel needs the current version; when another writer changed the channel
        in between (VersionMismatch), read it again and retry.
        """
        current: ChannelDescription | None = channel
        for _ in range(MAX_VERSION_RETRIES):
            if current is None:
                raise ChannelVanished(f"channel {channel.name} disappeared during an update")
            if current.message_ttl_seconds == message_ttl_seconds:
                return False
            try:
                self._control.set_message_ttl(current.arn, current.version, message_ttl_seconds)
            except VersionMismatch:
                current = self.describe(channel.name)
                continue
            return True
        raise ChannelNotSettled(f"channel {channel.name} kept changing during an update")

    def viewer_endpoint(self, arn: str) -> str | None:
        """The channel's HTTPS endpoint for role VIEWER; None while the channel is still CREATING."""
        try:
            return self._control.endpoints(arn, "VIEWER", ["HTTPS"]).get("HTTPS")
        except ChannelNotSettled:
            return None

    def delete(self, arn: str) -> bool:
        """Delete the channel; False when it was already gone."""
        try:
            self._control.delete(arn)
        except ChannelNotFound:
            return False
        return True
