"""The media bucket and detections table in the emulated cloud, with their variables set."""

from __future__ import annotations

from dataclasses import dataclass

import boto3
import pytest

from functions.common.detections.media_store import MediaStore
from functions.common.detections.store import DetectionsStore
from functions.common.registry.store import Registry

MEDIA_URL_BASE = "https://media.example.test"
# The smallest byte strings each format is recognised by, and a tiny image's worth after them.
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass
class MediaCloud:
    store: DetectionsStore
    media: MediaStore
    registry: Registry

    def put_image(self, key: str, data: bytes = JPEG) -> None:
        boto3.client("s3").put_object(Bucket=self.media.bucket, Key=key, Body=data)


def media_cloud(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> MediaCloud:
    """The bucket and table the local bootstrap made (`env`), served under MEDIA_URL_BASE."""
    bucket, table = env["MEDIA_BUCKET_NAME"], env["DETECTIONS_TABLE_NAME"]
    ddb = boto3.client("dynamodb")
    monkeypatch.setenv("MEDIA_URL_BASE", MEDIA_URL_BASE)
    return MediaCloud(
        DetectionsStore(table, ddb),
        MediaStore(bucket, boto3.client("s3")),
        Registry(env["REGISTRY_TABLE_NAME"]),
    )
