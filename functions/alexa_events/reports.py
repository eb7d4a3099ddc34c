"""Proactive discovery: tell each affected owner's Alexa what the registry now says about a camera.

A message only names the camera and the owners it may concern; the registry decides what is
sent. The camera active and owned by that owner: AddOrUpdateReport. Anything else (deregistered,
gone, or now someone else's): DeleteReport. After sending, the item is read again; if it changed
meanwhile (a newer lifecycle event landed), the owners are told again, so the last report each
owner gets matches the newest state: a late message can never resurrect a deleted camera.
"""

from __future__ import annotations

from functions.alexa_events.messages import add_or_update_report, delete_report
from functions.alexa_events.sender import Delivery, EventBuilder, Sender
from functions.common.alexa.outbound import EndpointChanged
from functions.common.registry.store import Device, Registry

# Re-reads before leaving a camera that keeps changing to a redelivery.
MAX_ROUNDS = 3


class StillChanging(Exception):
    """The camera changed on every round; SQS delivers the message again later."""


class EndpointReports:
    def __init__(self, registry: Registry, sender: Sender) -> None:
        self._registry = registry
        self._sender = sender

    def apply(self, change: EndpointChanged) -> dict[str, Delivery]:
        device = self._registry.get(change.device_id, consistent=True)
        for _ in range(MAX_ROUNDS):
            deliveries = {
                owner: self._sender.send(owner, _report(change.device_id, device, owner))
                for owner in change.owners
            }
            latest = self._registry.get(change.device_id, consistent=True)
            if _order_key(latest) == _order_key(device):
                return deliveries
            device = latest
        raise StillChanging(change.device_id)


def _report(device_id: str, device: Device | None, owner: str) -> EventBuilder:
    if device is not None and device.is_active and device.owner_id == owner:
        current = device
        return lambda token: add_or_update_report(current, token)
    return lambda token: delete_report(device_id, token)


def _order_key(device: Device | None) -> tuple[str, str] | None:
    return device.order_key if device is not None else None
