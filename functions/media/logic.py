"""Who may fetch an image: the bearer of a valid token of the camera's current owner, while the
reference is valid. Every other caller learns nothing about the reference (401 or 404); an
expired one answers 410 so Alexa asks for a new URI."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import NamedTuple

from functions.alexa_skill.tokens import InvalidToken, TokenVerifier
from functions.common.detections.media_store import ContentType, MediaStore, image_type
from functions.common.detections.store import DetectionsStore
from functions.common.registry.store import Registry

# secrets.token_urlsafe(16): 22 characters of the URL-safe base64 alphabet.
REF_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22}$")
# A token's key set fetch on a cold container; the endpoint answers Alexa within seconds.
KEY_FETCH_SECONDS = 3.0


class MediaRefused(Exception):
    def __init__(self, status: HTTPStatus, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Image(NamedTuple):
    data: bytes
    content_type: ContentType


@dataclass(frozen=True)
class MediaEndpoint:
    verifier: TokenVerifier
    detections: DetectionsStore
    media: MediaStore
    registry: Registry
    clock: Callable[[], float] = time.time

    def fetch(self, authorization: str | None, ref: str) -> Image:
        owner = self._owner(authorization)
        found = self.detections.ref(ref) if REF_PATTERN.fullmatch(ref) else None
        if found is None or found.owner_id != owner:
            raise MediaRefused(HTTPStatus.NOT_FOUND, "unknown reference")
        if self.clock() >= found.valid_until:
            raise MediaRefused(HTTPStatus.GONE, "reference expired")
        device = self.registry.get(found.device_id)
        if device is None or not device.is_active or device.owner_id != owner:
            raise MediaRefused(HTTPStatus.NOT_FOUND, "no longer the owner's camera")
        data = self.media.read(found.media_key)
        if data is None:
            raise MediaRefused(HTTPStatus.NOT_FOUND, "image deleted")
        content_type = image_type(data)
        if content_type is None:
            raise MediaRefused(HTTPStatus.NOT_FOUND, "not a JPEG or PNG image")
        return Image(data, content_type)

    def _owner(self, authorization: str | None) -> str:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise MediaRefused(HTTPStatus.UNAUTHORIZED, "no bearer token")
        try:
            return self.verifier.owner(token.strip(), fetch_timeout=KEY_FETCH_SECONDS)
        except InvalidToken:
            raise MediaRefused(HTTPStatus.UNAUTHORIZED, "token not valid") from None
