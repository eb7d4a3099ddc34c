"""The media bucket: presigned uploads under each camera's own prefix, reads and deletes.

A key is `media/{deviceId}/{mediaId}`; the mediaId is the camera's handle on its upload, so an
event naming a mediaId can only ever reach that camera's own objects.
"""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from functions.common import aws_clients

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

ContentType = Literal["image/jpeg", "image/png"]
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
UPLOAD_EXPIRY_SECONDS = 300
MEDIA_ID = re.compile(r"^[0-9a-f]{32}$")
_JPEG = b"\xff\xd8\xff"
_PNG = b"\x89PNG\r\n\x1a\n"


def media_key(device_id: str, media_id: str) -> str:
    if not MEDIA_ID.fullmatch(media_id):
        raise ValueError("not a mediaId")
    return f"media/{device_id}/{media_id}"


def image_type(data: bytes) -> ContentType | None:
    """JPEG or PNG by the bytes themselves; None for anything else (never served)."""
    if data.startswith(_JPEG):
        return "image/jpeg"
    if data.startswith(_PNG):
        return "image/png"
    return None


class Upload(NamedTuple):
    media_id: str
    url: str
    fields: dict[str, Any]


def s3_client() -> S3Client:
    """The container's S3 client (no typed overload in aws_clients: its stubs are not installed)."""
    s3: S3Client = aws_clients.cached_client(
        "s3", region=None, endpoint_url=None, connect_timeout=2.0, read_timeout=5.0, max_attempts=3
    )
    return s3


class MediaStore:
    def __init__(self, bucket: str, s3: S3Client) -> None:
        self.bucket = bucket
        self._s3 = s3

    def presigned_upload(self, device_id: str, content_type: ContentType) -> Upload:
        """A POST policy fixing the key, the content type and a size of 1 byte to 2 MiB."""
        media_id = secrets.token_hex(16)
        post = self._s3.generate_presigned_post(
            Bucket=self.bucket,
            Key=media_key(device_id, media_id),
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, MAX_UPLOAD_BYTES]],
            ExpiresIn=UPLOAD_EXPIRY_SECONDS,
        )
        return Upload(media_id, post["url"], dict(post["fields"]))

    def exists(self, key: str) -> bool:
        try:
            self._s3.head_object(Bucket=self.bucket, Key=key)
        except self._s3.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def read(self, key: str) -> bytes | None:
        try:
            body = self._s3.get_object(Bucket=self.bucket, Key=key, Range=f"bytes=0-{MAX_UPLOAD_BYTES - 1}")
        except self._s3.exceptions.NoSuchKey:
            return None
        data: bytes = body["Body"].read()
        return data

    def delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            chunk = keys[start : start + 1000]
            self._s3.delete_objects(
                Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True}
            )
