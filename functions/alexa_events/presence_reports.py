"""Connectivity changes and doorbell presses, told to the camera's owner.

A ConnectivityChanged message only says "look again": the registry holds the current value and
the value the owner's Alexa last accepted, and a report is sent only when they differ, so however
many messages a flapping camera produces (or SQS redelivers), Alexa hears each change of value
once and ends on the registry's value. A press rings only while fresh (at most the maximum press
age old), only the owner the camera had when pressed, and only if that is still its owner and it
is still a doorbell; any other press is dropped and counted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum

from aws_lambda_powertools.metrics import MetricUnit

from functions.alexa_events.presence_messages import Cause, change_report, doorbell_press
from functions.alexa_events.sender import Delivery, Sender
from functions.common.alexa.outbound import ConnectivityChanged, DoorbellPressed
from functions.common.observability import metrics
from functions.common.registry.store import Registry

_CAUSES: dict[str | None, Cause] = {"PERIODIC_POLL": "PERIODIC_POLL"}


class Skipped(StrEnum):
    NOTHING_NEW = "nothing_new"
    NOT_A_CAMERA = "not_a_camera"
    TOO_OLD = "too_old"
    OWNER_CHANGED = "owner_changed"


_DROPPED_METRICS = {
    Skipped.TOO_OLD: "DoorbellPressesTooOld",
    Skipped.OWNER_CHANGED: "DoorbellPressesOwnerChanged",
}


class PresenceReports:
    def __init__(
        self,
        registry: Registry,
        sender: Sender,
        *,
        max_press_age: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._registry = registry
        self._sender = sender
        self._max_press_age = max_press_age
        self._clock = clock

    def connectivity(self, message: ConnectivityChanged) -> Delivery | Skipped:
        device = self._registry.get(message.device_id, consistent=True)
        if device is None or not device.is_active or device.owner_id is None:
            return Skipped.NOT_A_CAMERA
        value = device.connectivity
        if value is None or value is device.reported_connectivity:
            return Skipped.NOTHING_NEW
        since = _parse_key(device.connectivity_since)
        cause = _CAUSES.get(device.connectivity_cause, "PHYSICAL_INTERACTION")
        delivery = self._sender.send(
            device.owner_id, lambda token: change_report(device.device_id, value, since, cause, token)
        )
        if delivery is Delivery.DELIVERED:
            self._registry.record_reported(device.device_id, value)
        return delivery

    def doorbell(self, message: DoorbellPressed) -> Delivery | Skipped:
        dropped = self._dropped(message)
        if dropped is not None:
            if dropped in _DROPPED_METRICS:
                metrics.add_metric(name=_DROPPED_METRICS[dropped], unit=MetricUnit.Count, value=1)
            return dropped
        return self._sender.send(
            message.owner_id, lambda token: doorbell_press(message.device_id, message.time, token)
        )

    def _dropped(self, message: DoorbellPressed) -> Skipped | None:
        """Why the press must not ring, or None."""
        if self._clock() - message.time.timestamp() > self._max_press_age:
            return Skipped.TOO_OLD
        device = self._registry.get(message.device_id, consistent=True)
        if device is None or not device.is_active or not device.doorbell:
            return Skipped.NOT_A_CAMERA
        if device.owner_id != message.owner_id:
            return Skipped.OWNER_CHANGED
        return None


def _parse_key(key: str | None) -> datetime:
    """An event time key (registry.event_time_key) back to a datetime; now when absent."""
    if key is None:
        return datetime.now(UTC)
    return datetime.strptime(key, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
