"""Image URIs for Alexa: a fresh reference to one image for one owner, under MEDIA_URL_BASE."""

from __future__ import annotations

from dataclasses import dataclass

from functions.common.detections.media_settings import MediaSettings
from functions.common.detections.store import DetectionsStore


@dataclass(frozen=True)
class ImageUris:
    store: DetectionsStore
    base: str
    ttl_seconds: int

    @classmethod
    def of(cls, settings: MediaSettings, store: DetectionsStore) -> ImageUris:
        return cls(store, settings.media_url_base, settings.snapshot_uri_ttl_seconds)

    def uri(self, owner_id: str, device_id: str, media_key: str, now: float) -> str:
        """A URI only `owner_id`'s token opens, valid `ttl_seconds` from `now`."""
        ref = self.store.new_ref(owner_id, device_id, media_key, int(now) + self.ttl_seconds)
        return f"{self.base}/media/{ref}"
