"""Connectivity changes and doorbell presses, told to the camera's owner.

A ConnectivityChanged message only says "look again": the registry holds the current value and
the value the owner's Alexa last accepted, and a report is sent only when they differ, so however
many messages a flapping camera produces (or SQS redelivers), Alexa hears each change of value
once and ends on the registry's value. A press is sent to the camera's current owner if it is
still a doorbell.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from functions.alexa_events.presence_messages import Cause, change_report, doorbell_press
from functions.alexa_events.sender import Delivery, Sender
from functions.common.outbound import ConnectivityChanged, DoorbellPressed
from functions.common.registry import Registry

_CAUSES: dict[str | None, Cause] = {"PERIODIC_POLL": "PERIODIC_POLL"}


class Skipped(StrEnum):
    NOTHING_NEW = "nothing_new"
    NOT_A_CAMERA = "not_a_camera"


class PresenceReports:
    def __init__(self, registry: Registry, sender: Sender) -> None:
        self._registry = registry
        self._sender = sender

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
        device = self._registry.get(message.device_id)
        if device is None or not device.is_active or not device.doorbell or device.owner_id is None:
            return Skipped.NOT_A_CAMERA
        return self._sender.send(
            device.owner_id, lambda token: doorbell_press(message.device_id, message.time, token)
        )


def _parse_key(key: str | None) -> datetime:
    """An event time key (registry.event_time_key) back to a datetime; now when absent."""
    if key is None:
        return datetime.now(UTC)
    return datetime.strptime(key, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
