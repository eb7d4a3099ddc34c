"""Detections told to the owner the detections function named: `ObjectDetection`
(Alexa.SmartVision.ObjectDetectionSensor) for an enabled class, and DataController `DataDeleted`
for detections the user deleted in the maker's app."""

from __future__ import annotations

from functions.alexa_events.sender import Delivery, Sender
from functions.common.alexa.outbound_detections import DetectionDataDeleted, ObjectDetectionFound
from functions.common.alexa.properties import time_of_sample
from functions.common.alexa.smartvision.data_controller import data_deleted
from functions.common.alexa.smartvision.object_detection import DetectionItem, object_detection


class DetectionReports:
    def __init__(self, sender: Sender) -> None:
        self._sender = sender

    def detected(self, message: ObjectDetectionFound) -> Delivery:
        item = DetectionItem(
            event_identifier=message.event_id,
            image_net_class=message.object_class,
            time_of_sample=time_of_sample(message.detected_at),
            # One object per camera event: the event names it.
            object_identifier=message.event_id,
            frame_image_uri=message.frame_image_uri,
            cropped_image_uri=message.cropped_image_uri,
        )
        return self._sender.send(
            message.owner_id, lambda token: object_detection(message.device_id, token, [item])
        )

    def deleted(self, message: DetectionDataDeleted) -> Delivery:
        return self._sender.send(
            message.owner_id, lambda token: data_deleted(message.device_id, token, list(message.identifiers))
        )
