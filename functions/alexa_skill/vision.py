"""What the skill does for the SmartVision and DataController directives: the latest snapshot,
the classes the user wants to hear about, and the user's detection history (read and delete).

Everything is for the caller's own camera (`Skill.camera`: NO_SUCH_ENDPOINT otherwise) and the
caller's own detections (the table keys them by their owner at detection time). Its parts (the
detections table, the media bucket, MEDIA_URL_BASE) are built on the first such directive.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from functions.alexa_skill.errors import ErrorType, SkillError
from functions.common.alexa.properties import time_of_sample
from functions.common.alexa.smartvision.data_controller import AccessConfig, PaginationConfig
from functions.common.alexa.smartvision.object_detection import DetectionItem
from functions.common.deadline import Deadline
from functions.common.detections.image_uris import ImageUris
from functions.common.detections.media_settings import MediaSettings
from functions.common.detections.media_store import MediaStore
from functions.common.detections.store import Detection, DetectionsStore
from functions.common.registry.store import Device, event_time_key, time_from_key

if TYPE_CHECKING:
    from functions.alexa_skill.logic import Skill

# A page of a deletion by time range: deletes go page by page, each page's reads bounded.
DELETE_PAGE = 100


class VisionSettings(MediaSettings):
    # How old the latest snapshot may be and still answer GetSnapshot (cameras send one
    # periodically and on wake); a doorbell answers the image of its latest press instead.
    snapshot_max_age_seconds: Annotated[int, Field(alias="SNAPSHOT_MAX_AGE_SECONDS", ge=10, le=86400)] = 900


@dataclass(frozen=True)
class VisionParts:
    settings: VisionSettings
    store: DetectionsStore
    media: MediaStore
    uris: ImageUris


class NotSupported(Exception):
    """The camera was not registered with what the directive asks for (classes or snapshots)."""


class InvalidVisionRequest(Exception):
    """A nextToken, class or range that is not valid for this camera and caller."""


@dataclass(frozen=True)
class Vision:
    skill: Skill
    parts: VisionParts
    clock: Callable[[], float] = time.time

    def snapshot(self, token: str, endpoint_id: str, deadline: Deadline) -> tuple[str, datetime]:
        """(URI, capture time) of the freshest usable image: a doorbell's latest press image, else
        the latest snapshot within the freshness bound. None fresh: ENDPOINT_UNREACHABLE (never an
        empty URI); Alexa asks again later."""
        device = self.skill.camera(token, endpoint_id, deadline)
        if not device.snapshots:
            raise NotSupported
        latest = self.parts.store.latest_snapshot(device.device_id)
        now = self.clock()
        if latest is None or not self._usable(device, latest.time_key, now):
            raise SkillError(ErrorType.ENDPOINT_UNREACHABLE, "No recent snapshot of this camera.")
        uri = self.parts.uris.uri(_owner(device), device.device_id, latest.media_key, now)
        return uri, time_from_key(latest.time_key)

    def _usable(self, device: Device, taken_key: str, now: float) -> bool:
        if device.doorbell and device.last_press_time is not None and taken_key >= device.last_press_time:
            # Alexa: a doorbell's snapshot is the one of its latest wake event, however old.
            return True
        oldest = datetime.fromtimestamp(now - self.parts.settings.snapshot_max_age_seconds, UTC)
        return taken_key >= event_time_key(oldest)

    def set_classes(self, token: str, endpoint_id: str, enabled: list[str], deadline: Deadline) -> list[str]:
        """Store the classes the user wants announced (a subset of the camera's); the enabled list."""
        device = self.skill.camera(token, endpoint_id, deadline)
        if not device.object_detection_classes:
            raise NotSupported
        unknown = set(enabled) - set(device.object_detection_classes)
        if unknown:
            raise InvalidVisionRequest("the camera does not detect " + ", ".join(sorted(unknown)))
        wanted = [c for c in device.object_detection_classes if c in set(enabled)]
        disabled = set(device.object_detection_classes) - set(wanted)
        self.parts.store.set_disabled_classes(_owner(device), device.device_id, disabled)
        return wanted

    def report(
        self,
        token: str,
        endpoint_id: str,
        access: AccessConfig,
        pagination: PaginationConfig,
        deadline: Deadline,
    ) -> tuple[list[DetectionItem], str | None]:
        """One page of the caller's detections of the camera, newest first, with fresh image URIs."""
        device = self._detecting(token, endpoint_id, deadline)
        found, next_token = self._find(device, access, pagination.max_results, pagination.next_token)
        now = self.clock()
        return [self._item(device, d, now) for d in found], next_token

    def delete(self, token: str, endpoint_id: str, access: AccessConfig, deadline: Deadline) -> None:
        """Delete the caller's detections named by `access`, with their images."""
        device = self._detecting(token, endpoint_id, deadline)
        next_token: str | None = None
        while True:
            found, next_token = self._find(device, access, DELETE_PAGE, next_token)
            self.parts.media.delete([k for d in found for k in (d.media_key, d.cropped_media_key) if k])
            self.parts.store.delete(found)
            if next_token is None:
                return

    def _detecting(self, token: str, endpoint_id: str, deadline: Deadline) -> Device:
        device = self.skill.camera(token, endpoint_id, deadline)
        if not device.object_detection_classes:
            raise NotSupported
        return device

    def _find(
        self, device: Device, access: AccessConfig, limit: int, next_token: str | None
    ) -> tuple[list[Detection], str | None]:
        owner = _owner(device)
        if access.identifiers is not None and access.type == "BY_IDENTIFIER":
            # At most MAX_IDENTIFIERS (the page size's bound): one page, no token.
            found = self.parts.store.by_ids(owner, device.device_id, access.identifiers)
            return sorted(found, key=lambda d: d.sort_key, reverse=True), None
        bounds = access.timestamp_range
        if bounds is None or bounds.start > bounds.end:
            raise InvalidVisionRequest("the time range is empty")
        try:
            page = self.parts.store.page(
                owner,
                device.device_id,
                limit=limit,
                start=event_time_key(bounds.start),
                end=event_time_key(bounds.end),
                next_token=next_token,
            )
        except ValueError:
            raise InvalidVisionRequest("the nextToken is not one this query handed out") from None
        return page.detections, page.next_token

    def _item(self, device: Device, d: Detection, now: float) -> DetectionItem:
        owner = _owner(device)
        return DetectionItem(
            event_identifier=d.event_id,
            image_net_class=d.object_class,
            time_of_sample=time_of_sample(time_from_key(d.time_key)),
            object_identifier=d.event_id,
            frame_image_uri=self.parts.uris.uri(owner, device.device_id, d.media_key, now),
            cropped_image_uri=(
                self.parts.uris.uri(owner, device.device_id, d.cropped_media_key, now)
                if d.cropped_media_key
                else None
            ),
        )


def _owner(device: Device) -> str:
    # Skill.camera returned it: the caller owns it.
    return device.owner_id or ""
