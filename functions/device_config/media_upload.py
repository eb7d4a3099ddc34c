"""`POST /media`: a camera's presigned upload of one image (a snapshot or a detection's frame).

The body names only the content type; the key (under the caller's own prefix), the type and a
size of at most 2 MiB are fixed by the POST policy, valid a few minutes. Only a live camera that
detects something or takes snapshots gets one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from functions.common import aws_clients
from functions.common.detections.media_settings import MediaSettings
from functions.common.detections.media_store import UPLOAD_EXPIRY_SECONDS, MediaStore, s3_client
from functions.common.registry.store import Registry
from functions.device_config.errors import BadRequest, DeviceNotFound, NotACamera

# A request names one content type: anything longer is not one of ours.
MAX_BODY_BYTES = 256


class UploadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    content_type: Literal["image/jpeg", "image/png"] = Field(alias="contentType")


@dataclass(frozen=True)
class MediaUploads:
    registry: Registry
    store: MediaStore

    def grant(self, device_id: str, body: str | None) -> dict[str, Any]:
        if body is None or len(body.encode()) > MAX_BODY_BYTES:
            raise BadRequest('the body must be {"contentType": "image/jpeg" | "image/png"}')
        try:
            request = UploadRequest.model_validate_json(body)
        except ValidationError:
            raise BadRequest("contentType must be image/jpeg or image/png") from None
        device = self.registry.get(device_id)
        if device is None or not device.is_active:
            raise DeviceNotFound("the camera is not registered")
        if not device.object_detection_classes and not device.snapshots:
            raise NotACamera("the camera was registered without detections or snapshots")
        upload = self.store.presigned_upload(device_id, request.content_type)
        expires = datetime.fromtimestamp(time.time() + UPLOAD_EXPIRY_SECONDS, UTC)
        return {
            "mediaId": upload.media_id,
            "upload": {"url": upload.url, "fields": upload.fields},
            "expiresAt": f"{expires:%Y-%m-%dT%H:%M:%S}Z",
        }


@cache
def uploads() -> MediaUploads:
    settings = MediaSettings.load()
    return MediaUploads(
        Registry(settings.registry_table_name, aws_clients.client("dynamodb")),
        MediaStore(settings.media_bucket_name, s3_client()),
    )
