"""The lifecycle flows: keep each device's signaling channel and registry item in step.

Per event: check who sent it and when (the publisher's account, a time no later than now plus
MAX_FUTURE_SKEW); read the device's item; an event not newer than the last one applied is skipped.
Otherwise the channel is converged to the state the event describes (created, adopted, updated or
deleted, every step idempotent), then the item is written, conditional on no newer event having
been applied meanwhile. If one was (events for one device processed concurrently), our channel
change may have undone the winner's, so the channel is converged again to whatever the registry
now says, until a re-read confirms it. A crash at any point leaves a state that redelivery of the
same event converges from.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

from functions.common.alexa.outbound import OutboundPublisher
from functions.common.aws_clients import error_code
from functions.common.bus.device_events import UntrustedEvent, check_origin
from functions.common.cells.config import Cell
from functions.common.deadline import Deadline, DeadlineExceeded
from functions.common.kvs.control_plane import DELETING, ChannelDescription
from functions.common.kvs.errors import KvsFailure
from functions.common.observability import logger
from functions.common.registry import channel_tags
from functions.common.registry.store import Device, DeviceStatus, Registry
from functions.device_lifecycle.device_cells import DeviceCells
from functions.device_lifecycle.events import DeviceDeregistered, DeviceEvent, DeviceRegistered
from functions.device_lifecycle.lifecycle_channels import (
    RETRIES,
    ChannelNotSettled,
    LifecycleChannels,
    TransientError,
)
from functions.device_lifecycle.settings import LifecycleSettings

T = TypeVar("T")
# Rounds of "converge to the registry's winner, re-read" before leaving it to a redelivery.
MAX_RACE_ROUNDS = 5
# How long a record waits for a busy channel (CREATING, UPDATING, DELETING) before failing, so
# that SQS delivers it again later; a DELETING channel can take minutes, and waiting for it would
# starve the records after it in the batch.
BUSY_RETRY_S = 1.0
# Detail fields that map one to one onto registry fields of the same name.
_METADATA_FIELDS = (
    "owner_id",
    "friendly_name",
    "manufacturer_name",
    "model",
    "description",
    "serial_number",
    "firmware_version",
    "software_version",
    "message_ttl_seconds",
    "full_duplex_audio",
    "doorbell",
    "object_detection_classes",
    "snapshots",
    "tags",
)


class LifecycleOutcome(StrEnum):
    CREATED = "created"
    ADOPTED = "adopted"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DELETED = "deleted"
    ALREADY_GONE = "already_gone"
    SKIPPED_STALE = "skipped_stale"


class InvalidEventError(ValueError):
    """The event can never be applied (wrong source or account, dated in the future, tags that
    cannot fit on the channel)."""


class ForeignChannelError(RuntimeError):
    """The channel name is taken by a channel that is not this device's (`channel_tags.belongs_to`)."""


def _is_busy(exc: BaseException) -> bool:
    return isinstance(exc, ChannelNotSettled)


def _check_tag_room(
    name: str, actual: dict[str, str], dropped: list[str], changed: dict[str, str], event_keys: set[str]
) -> None:
    """Refuse, before changing anything, tags that cannot fit beside what is really on the channel
    (rotating and foreign tags included): KVS would refuse them on every delivery."""
    total = len(actual) - len(dropped) + sum(1 for k in changed if k not in actual)
    if total > channel_tags.MAX_TAGS_PER_CHANNEL:
        foreign = [k for k in actual if not channel_tags.is_managed(k) and k not in event_keys]
        raise InvalidEventError(
            f"channel {name} would hold {total} tags, over the limit of "
            f"{channel_tags.MAX_TAGS_PER_CHANNEL}: {len(foreign)} foreign tags take the room"
        )


def _recorded_arn(previous: Device | None) -> str | None:
    """The channel the registry recorded for a live device (a tombstone records none)."""
    return previous.channel_arn if previous is not None and previous.is_active else None


class Lifecycle:
    def __init__(
        self,
        settings: LifecycleSettings,
        registry: Registry,
        cells: DeviceCells,
        channels: Callable[[Cell], LifecycleChannels],
        deadline: Deadline,
        *,
        publisher_accounts: frozenset[str],
        clock: Callable[[], float] = time.time,
        publisher: OutboundPublisher | None = None,
    ) -> None:
        self._settings = settings
        self._publisher_accounts = publisher_accounts
        self._publisher = publisher
        self._registry = registry
        self._cells = cells
        self._channels_in = channels
        self._deadline = deadline
        self._clock = clock

    def apply(self, event: DeviceEvent) -> LifecycleOutcome:
        self._validate(event)
        device_id = event.detail.device_id
        current = self._registry.get(device_id, consistent=True)
        if current is not None and current.order_key >= event.order_key:
            if current.order_key == event.order_key:
                # A redelivery of the event applied last: its announcement may have been lost.
                self._announce(device_id, [current.owner_id, event.detail.owner_id], event.id)
            return LifecycleOutcome.SKIPPED_STALE
        desired = self._desired(event, current)
        outcome, desired = self._converge(desired, previous=current)
        if self._registry.put_if_newer(desired):
            before = current.owner_id if current is not None else None
            self._announce(device_id, [before, desired.owner_id], event.id)
            return outcome
        return outcome if self._settle_race(desired) else LifecycleOutcome.SKIPPED_STALE

    def _announce(self, device_id: str, owners: list[str | None], event_id: str) -> None:
        """Tell the Alexa events function which owners' device lists this change touches."""
        if self._publisher is not None:
            self._publisher.endpoint_changed(device_id, owners, event_id)

    def _validate(self, event: DeviceEvent) -> None:
        try:
            check_origin(event, self._settings.device_event_source, self._publisher_accounts, self._clock())
        except UntrustedEvent as exc:
            raise InvalidEventError(str(exc)) from None

    def _desired(self, event: DeviceEvent, current: Device | None) -> Device:
        """The registry item this event asks for."""
        event_time, event_id = event.order_key
        device_id = event.detail.device_id
        if isinstance(event, DeviceDeregistered):
            return Device.tombstone(device_id, event_time, event_id, int(self._clock()))
        values: dict[str, Any] = {}
        # A DeviceUpdated changes only the fields it carries; a DeviceRegistered states them all.
        if not isinstance(event, DeviceRegistered) and current is not None and current.is_active:
            values = {name: getattr(current, name) for name in _METADATA_FIELDS}
        carried = _METADATA_FIELDS if isinstance(event, DeviceRegistered) else event.detail.model_fields_set
        values.update({name: getattr(event.detail, name) for name in _METADATA_FIELDS if name in carried})
        if values.get("message_ttl_seconds") is None:
            values["message_ttl_seconds"] = self._settings.message_ttl_seconds
        values["tags"] = values.get("tags") or {}
        values["full_duplex_audio"] = bool(values.get("full_duplex_audio"))
        values["doorbell"] = bool(values.get("doorbell"))
        values["object_detection_classes"] = list(dict.fromkeys(values.get("object_detection_classes") or []))
        values["snapshots"] = bool(values.get("snapshots"))
        # When the current owner got the camera: an update that keeps the owner keeps it too.
        owner_since: str | None = event_time
        if current is not None and current.is_active and current.owner_id == values["owner_id"]:
            owner_since = current.owner_since
        return Device(
            device_id=device_id,
            status=DeviceStatus.ACTIVE,
            channel_name=self._settings.channel_name(device_id),
            last_event_time=event_time,
            last_event_id=event_id,
            owner_since=owner_since,
            **values,
        )

    def _converge(self, desired: Device, previous: Device | None) -> tuple[LifecycleOutcome, Device]:
        """Make the channel match `desired`; returns what happened and `desired` with its ARN
        and cell."""
        device_id = desired.device_id
        if not desired.is_active:
            cell = self._cells.for_removal(device_id, previous)
            removed = LifecycleOutcome.ALREADY_GONE
            if cell is not None:
                channels = self._channels_in(cell)
                removed = self._while_busy(
                    desired, lambda: self._remove_channel(channels, device_id, _recorded_arn(previous))
                )
            # Only once the channel is gone: a slot freed earlier could be taken while it still counts.
            self._cells.release(device_id)
            return removed, desired
        # Placed before the channel is created, so a redelivery creates it in the same cell.
        cell = self._cells.for_live(device_id, previous)
        channels = self._channels_in(cell)
        outcome, arn = self._while_busy(desired, lambda: self._ensure_channel(channels, desired, previous))
        endpoint = self._viewer_endpoint(channels, arn, previous)
        return outcome, desired.model_copy(
            update={"channel_arn": arn, "viewer_endpoint": endpoint, "cell_id": cell.id}
        )

    def _while_busy(self, desired: Device, step: Callable[[], T]) -> T:
        """`step()`, retried while the channel is busy, for at most BUSY_RETRY_S."""
        try:
            return RETRIES.call(step, self._deadline.within(BUSY_RETRY_S), retry_on=_is_busy)
        except (ChannelNotSettled, DeadlineExceeded) as exc:
            raise TransientError(f"channel of {desired.device_id}: still busy ({exc})") from exc

    def _viewer_endpoint(self, channels: LifecycleChannels, arn: str, previous: Device | None) -> str | None:
        """The channel's VIEWER endpoint for the registry: the one on record for this channel, or
        read now. Only a shortcut for the skill (which fetches it when missing), so a channel
        still CREATING or a failed read leaves it out rather than failing the record."""
        if previous is not None and previous.channel_arn == arn and previous.viewer_endpoint:
            return previous.viewer_endpoint
        try:
            return channels.viewer_endpoint(arn)
        except (KvsFailure, TransientError) as exc:
            logger.warning("viewer endpoint not recorded", extra={"error": error_code(exc)})
            return None

    def _ensure_channel(
        self, channels: LifecycleChannels, device: Device, previous: Device | None
    ) -> tuple[LifecycleOutcome, str]:
        name = self._settings.channel_name(device.device_id)
        ttl = device.message_ttl_seconds or self._settings.message_ttl_seconds
        owner = device.owner_id or ""
        tags = channel_tags.managed_tags(device.device_id, owner, self._settings.environment) | device.tags
        known_arn = _recorded_arn(previous)
        # A device with no live channel on record takes the cheap path: create first.
        existing = channels.describe(name) if known_arn else None
        if existing is None:
            arn = channels.create(name, ttl, tags)
            if arn is not None:
                return LifecycleOutcome.CREATED, arn
            existing = channels.describe(name)
            if existing is None:
                raise ChannelNotSettled(f"channel {name} vanished while being adopted")
        if existing.status == DELETING:
            raise ChannelNotSettled(f"channel {name} is still being deleted")
        actual = self._owned_tags(channels, existing, device.device_id, known_arn)
        changed = {k: v for k, v in tags.items() if actual.get(k) != v}
        # Only keys an earlier event set are ours to remove; other foreign tags stay.
        event_keys = set(previous.tags if previous else {}) | set(tags)
        dropped = sorted(k for k in (previous.tags if previous else {}) if k not in tags and k in actual)
        _check_tag_room(existing.name, actual, dropped, changed, event_keys)
        # Remove first: a channel at the limit can then still rename a tag.
        if dropped:
            channels.untag(existing.arn, dropped)
        if changed:
            channels.tag(existing.arn, changed)
        ttl_changed = channels.set_message_ttl(existing, ttl)
        if existing.arn != known_arn:
            return LifecycleOutcome.ADOPTED, existing.arn
        return (
            LifecycleOutcome.UPDATED if changed or dropped or ttl_changed else LifecycleOutcome.UNCHANGED
        ), existing.arn

    def _owned_tags(
        self,
        channels: LifecycleChannels,
        channel: ChannelDescription,
        device_id: str,
        recorded_arn: str | None,
    ) -> dict[str, str]:
        """The channel's tags, after checking that the channel belongs to this device."""
        tags = channels.tags(channel.arn)
        if not channel_tags.belongs_to(channel.arn, tags, device_id, recorded_arn):
            tagged = tags.get(channel_tags.DEVICE_TAG)
            why = (
                f"the registry recorded {recorded_arn} for {device_id!r}"
                if recorded_arn is not None
                else f"its {channel_tags.DEVICE_TAG} tag is {tagged!r}, not {device_id!r}"
            )
            raise ForeignChannelError(
                f"channel {channel.name} ({channel.arn}) exists but {why}; refusing to adopt or delete it"
            )
        return tags

    def _remove_channel(
        self, channels: LifecycleChannels, device_id: str, recorded_arn: str | None
    ) -> LifecycleOutcome:
        existing = channels.describe(self._settings.channel_name(device_id))
        if existing is None or existing.status == DELETING:
            return LifecycleOutcome.ALREADY_GONE
        self._owned_tags(channels, existing, device_id, recorded_arn)
        return LifecycleOutcome.DELETED if channels.delete(existing.arn) else LifecycleOutcome.ALREADY_GONE

    def _settle_race(self, applied: Device) -> bool:
        """After a lost conditional write: True if the same event won (a concurrent duplicate).

        Otherwise a newer event won while we changed the channel, possibly undoing its change:
        converge to the registry's item until a re-read shows it unchanged.
        """
        winner = self._registry.get(applied.device_id, consistent=True)
        if winner is None or winner.order_key == applied.order_key:
            return winner is not None
        for _ in range(MAX_RACE_ROUNDS):
            _, converged = self._converge(winner, previous=applied)
            if converged.channel_arn != winner.channel_arn:
                # The winner's channel was re-created: record the new ARN under the winner's event.
                self._registry.put_if_current(converged)
            latest = self._registry.get(applied.device_id, consistent=True)
            if latest is None or latest.order_key == winner.order_key:
                return False
            applied, winner = converged, latest
        raise TransientError(f"device {applied.device_id} kept changing; leaving it to a redelivery")
