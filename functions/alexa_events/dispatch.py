"""Which report each outbound message type goes to, by type: a type without a report here is
refused (the record fails and reaches the dead-letter queue), never sent as another kind."""

from __future__ import annotations

from functions.alexa_events.dependencies import Dependencies
from functions.common.alexa.outbound import (
    ConnectivityChanged,
    DoorbellPressed,
    EndpointChanged,
    OutboundMessage,
)
from functions.common.alexa.outbound_detections import DetectionDataDeleted, ObjectDetectionFound
from functions.common.deadline import Deadline


class UnknownMessage(Exception):
    """An outbound message type this function has no report for."""


def deliver(deps: Dependencies, message: OutboundMessage, deadline: Deadline) -> list[str]:
    """Send what `message` calls for; the outcome of each delivery, for the log."""
    match message:
        case EndpointChanged():
            return sorted(d.value for d in deps.reports(deadline).apply(message).values())
        case ConnectivityChanged():
            return [deps.presence(deadline).connectivity(message).value]
        case DoorbellPressed():
            return [deps.presence(deadline).doorbell(message).value]
        case ObjectDetectionFound():
            return [deps.detections(deadline).detected(message).value]
        case DetectionDataDeleted():
            return [deps.detections(deadline).deleted(message).value]
        case _:
            raise UnknownMessage(type(message).__name__)
