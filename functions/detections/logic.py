"""What each detection device event does. A detection is recorded for the camera's owner at
detection time, once per eventId, and queued for the events function to announce to that owner
when its class is enabled; one too old, from the future, of a class the camera does not detect,
or naming media the camera never uploaded is refused (and counted by the handler). Detections
deleted in the maker's app are queued to be told to Alexa too."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from enum import StrEnum

from functions.common.alexa.outbound import OutboundPublisher
from functions.common.alexa.outbound_detections import DetectionDataDeleted, ObjectDetectionFound
from functions.common.bus.device_events import UntrustedEvent, check_origin
from functions.common.detections.image_uris import ImageUris
from functions.common.detections.media_store import MediaStore, media_key
from functions.common.detections.store import Detection, DetectionsStore, Snapshot
from functions.common.registry.store import Device, Registry, event_time_key
from functions.detections.events import DetectionEvent, DetectionsDeleted, ObjectDetected, SnapshotTaken
from functions.detections.settings import DetectionsSettings


class Outcome(StrEnum):
    RECORDED = "recorded"
    RECORDED_SILENT = "recorded_silent"  # a class the owner turned off: kept, not announced
    REPLAYED = "replayed"
    SNAPSHOT = "snapshot"
    SNAPSHOT_STALE = "snapshot_stale"
    DELETED = "deleted"


class Refusal(StrEnum):
    UNTRUSTED = "untrusted"
    FUTURE = "future"
    TOO_OLD = "too_old"
    NO_CAMERA = "no_camera"
    CLASS_NOT_DETECTED = "class_not_detected"
    NO_SNAPSHOTS = "no_snapshots"
    MEDIA_MISSING = "media_missing"


class DetectionRefused(Exception):
    def __init__(self, refusal: Refusal, reason: str) -> None:
        super().__init__(reason)
        self.refusal = refusal


@dataclass(frozen=True)
class Detections:
    settings: DetectionsSettings
    registry: Registry
    store: DetectionsStore
    media: MediaStore
    publisher: OutboundPublisher
    accounts: Collection[str]
    clock: Callable[[], float] = time.time

    def apply(self, event: DetectionEvent) -> Outcome:
        now = self.clock()
        try:
            check_origin(event, self.settings.device_event_source, self.accounts, now)
        except UntrustedEvent as exc:
            future = "future" in str(exc)
            raise DetectionRefused(Refusal.FUTURE if future else Refusal.UNTRUSTED, str(exc)) from None
        device = self.registry.get(event.detail.device_id, consistent=True)
        if device is None or not device.is_active or device.owner_id is None:
            raise DetectionRefused(Refusal.NO_CAMERA, "no live camera with an owner")
        if isinstance(event, ObjectDetected):
            return self._detected(event, device, now)
        if isinstance(event, SnapshotTaken):
            return self._snapshot(event, device, now)
        return self._deleted(event, device)

    def _detected(self, event: ObjectDetected, device: Device, now: float) -> Outcome:
        detail = event.detail
        age = now - detail.detected_at.timestamp()
        if age > self.settings.detection_max_age_seconds:
            raise DetectionRefused(Refusal.TOO_OLD, f"detected {age:.0f} s ago")
        if age < -60:
            raise DetectionRefused(Refusal.FUTURE, "detected in the future")
        if detail.object_class not in device.object_detection_classes:
            raise DetectionRefused(Refusal.CLASS_NOT_DETECTED, "the camera does not detect that class")
        frame = self._media(device.device_id, detail.media_id)
        cropped = self._media(device.device_id, detail.cropped_media_id) if detail.cropped_media_id else None
        owner = device.owner_id or ""
        announced = detail.object_class not in self.store.disabled_classes(owner, device.device_id)
        detection = Detection(
            owner_id=owner,
            device_id=device.device_id,
            event_id=detail.event_id,
            object_class=detail.object_class,
            time_key=event_time_key(detail.detected_at),
            media_key=frame,
            cropped_media_key=cropped,
            announced=announced,
        )
        if not self.store.record(detection, int(now) + self.settings.retention_seconds):
            return Outcome.REPLAYED
        if not announced:
            return Outcome.RECORDED_SILENT
        uris = ImageUris.of(self.settings, self.store)
        self.publisher.publish(
            ObjectDetectionFound(
                device_id=device.device_id,
                owner_id=owner,
                event_id=detail.event_id,
                object_class=detail.object_class,
                detected_at=detail.detected_at,
                frame_image_uri=uris.uri(owner, device.device_id, frame, now),
                cropped_image_uri=uris.uri(owner, device.device_id, cropped, now) if cropped else None,
            )
        )
        return Outcome.RECORDED

    def _snapshot(self, event: SnapshotTaken, device: Device, now: float) -> Outcome:
        if not device.snapshots:
            raise DetectionRefused(Refusal.NO_SNAPSHOTS, "the camera was registered without snapshots")
        key = self._media(device.device_id, event.detail.media_id)
        snapshot = Snapshot(key, event_time_key(event.detail.taken_at))
        fresh = self.store.record_snapshot(
            device.device_id, snapshot, int(now) + self.settings.retention_seconds
        )
        return Outcome.SNAPSHOT if fresh else Outcome.SNAPSHOT_STALE

    def _deleted(self, event: DetectionsDeleted, device: Device) -> Outcome:
        found = self.store.by_ids(device.owner_id or "", device.device_id, event.detail.event_ids)
        self.media.delete([k for d in found for k in (d.media_key, d.cropped_media_key) if k])
        self.store.delete(found)
        # Every id the maker named: Alexa may hold detections our table already let expire.
        self.publisher.publish(
            DetectionDataDeleted(
                device_id=device.device_id,
                owner_id=device.owner_id or "",
                event_id=event.id,
                identifiers=list(dict.fromkeys(event.detail.event_ids)),
            )
        )
        return Outcome.DELETED

    def _media(self, device_id: str, media_id: str) -> str:
        """The key of the camera's own upload; a mediaId it never uploaded is refused."""
        key = media_key(device_id, media_id)
        if not self.media.exists(key):
            raise DetectionRefused(Refusal.MEDIA_MISSING, "no such upload of this camera")
        return key
