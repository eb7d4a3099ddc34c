"""Presence and doorbell presses: keep each camera's connectivity in the registry, and tell the
Alexa events function about every change and every press.

A presence event is applied only if newer (event time, then id) than the last presence event
applied, so a late DeviceConnected never overrides a newer DeviceDisconnected; lifecycle events
have their own order and do not interfere. Only a change of value is announced; a redelivery of
the event applied last is announced again (its announcement may have been lost; the events
function reports a value once). A press is passed on once, only for a live doorbell, with the owner
it had when pressed (a press from before the camera changed hands is dropped).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from enum import StrEnum

from functions.common.alexa.outbound import OutboundPublisher
from functions.common.bus.device_events import DeviceEventModel, check_not_future, check_origin
from functions.common.registry.store import Connectivity, Registry
from functions.device_presence.events import BusEvent, DoorbellPressedEvent, IotPresence, PresenceEvent

# The ChangeReport cause: the camera itself went on or off line.
DEVICE_CAUSE = "PHYSICAL_INTERACTION"


class PresenceOutcome(StrEnum):
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    REPEATED = "repeated"
    STALE = "stale"
    UNKNOWN_DEVICE = "unknown_device"
    PRESSED = "pressed"
    OWNER_CHANGED = "owner_changed"


class RejectedEvent(ValueError):
    """An event no redelivery can make valid (untrusted, or a press of no doorbell)."""


class Presence:
    def __init__(
        self,
        registry: Registry,
        publisher: OutboundPublisher,
        *,
        source: str,
        accounts: Collection[str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._registry = registry
        self._publisher = publisher
        self._source = source
        self._accounts = accounts
        self._clock = clock

    def apply(self, event: BusEvent | IotPresence) -> PresenceOutcome:
        self._check(event)
        if isinstance(event, DoorbellPressedEvent):
            return self._press(event)
        return self._presence(event)

    def _check(self, event: BusEvent | IotPresence) -> None:
        try:
            if isinstance(event, DeviceEventModel):
                check_origin(event, self._source, self._accounts, self._clock())
            else:
                # IoT's payloads reach the queue only through the stack's own topic rule.
                check_not_future(event.time, self._clock())
        except ValueError as exc:
            raise RejectedEvent(str(exc)) from None

    def _presence(self, event: PresenceEvent) -> PresenceOutcome:
        connectivity = Connectivity.OK if event.connected else Connectivity.UNREACHABLE
        applied = self._registry.record_presence(
            event.device_id,
            connectivity,
            event.order_key,
            DEVICE_CAUSE,
            connected_at=int(event.time.timestamp()) if event.connected else None,
        )
        event_id = event.order_key[1]
        if applied is not None:
            if applied.previous is connectivity:
                return PresenceOutcome.UNCHANGED
            self._publisher.connectivity_changed(event.device_id, event_id)
            return PresenceOutcome.CHANGED
        device = self._registry.get(event.device_id, consistent=True)
        if device is None or not device.is_active:
            # A camera deregistered before it went offline, or one this registry never had.
            return PresenceOutcome.UNKNOWN_DEVICE
        if (device.presence_time, device.presence_event_id) == event.order_key:
            self._publisher.connectivity_changed(event.device_id, event_id)
            return PresenceOutcome.REPEATED
        return PresenceOutcome.STALE

    def _press(self, event: DoorbellPressedEvent) -> PresenceOutcome:
        doorbell = self._registry.record_press(event.device_id, event.order_key)
        if doorbell is not None and doorbell.owner_id is not None:
            if doorbell.owner_since is not None and doorbell.owner_since > event.order_key[0]:
                # Pressed before the camera changed hands: its owner then is not the owner now.
                return PresenceOutcome.OWNER_CHANGED
            self._publisher.doorbell_pressed(event.device_id, event.id, event.time, doorbell.owner_id)
            return PresenceOutcome.PRESSED
        device = self._registry.get(event.device_id, consistent=True)
        if device is None or not device.is_active:
            raise RejectedEvent(f"doorbell press for {event.device_id}, which is not a registered camera")
        if not device.doorbell:
            raise RejectedEvent(f"doorbell press for {event.device_id}, which is not a doorbell")
        return (
            PresenceOutcome.REPEATED
            if (device.last_press_time, device.last_press_id) == event.order_key
            else PresenceOutcome.STALE
        )
