"""`POST /media` (a camera's presigned upload) and `GET /media/{ref}` (Alexa fetching an image)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from functions.device_config.media_upload import uploads
from functions.media import handler as media_handler
from localcloud.aws.lambda_context import LambdaContext
from tests.alexa_skill.conftest import OTHER, OWNER, Cloud
from tests.device_config.conftest import camera_arn, http_event
from tests.smartvision.media import JPEG, PNG, MediaCloud, media_cloud


@pytest.fixture
def media(cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> Iterator[MediaCloud]:
    found = media_cloud(cloud.env, monkeypatch)
    uploads.cache_clear()
    media_handler.endpoint.cache_clear()
    yield found
    uploads.cache_clear()
    media_handler.endpoint.cache_clear()


def _post_media(device_id: str, body: str | None) -> tuple[int, dict[str, Any]]:
    from functions.device_config.handler import handler

    event = http_event(camera_arn(device_id), path="/media", body=body)
    event["requestContext"]["http"]["method"] = "POST"
    event["routeKey"] = "POST /media"
    result = handler(event, LambdaContext("device-config"))
    return result["statusCode"], json.loads(result["body"])


def _get_media(ref: str, token: str | None) -> dict[str, Any]:
    event = http_event(None, path=f"/media/{ref}")
    if token is not None:
        event["headers"]["authorization"] = f"Bearer {token}"
    event["headers"]["accept"] = "image/jpeg, image/png"
    return media_handler.handler(event, LambdaContext("media"))


def test_a_camera_gets_a_presigned_post_fixed_to_its_own_prefix_type_and_size(
    cloud: Cloud, media: MediaCloud
) -> None:
    cloud.camera("cam-1", snapshots=True)

    status, body = _post_media("cam-1", json.dumps({"contentType": "image/png"}))

    assert status == 200, body
    fields = body["upload"]["fields"]
    assert fields["key"] == f"media/cam-1/{body['mediaId']}" and len(body["mediaId"]) == 32
    policy = json.loads(base64.b64decode(fields["policy"]))
    conditions = policy["conditions"]
    assert {"Content-Type": "image/png"} in conditions
    assert ["content-length-range", 1, 2 * 1024 * 1024] in conditions
    assert {"key": fields["key"]} in conditions
    assert body["expiresAt"].endswith("Z")


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (None, 400),
        ("not json", 400),
        (json.dumps({"contentType": "image/gif"}), 400),
        (json.dumps({"contentType": "image/jpeg", "key": "media/other/x"}), 400),
        (json.dumps({"contentType": "image/jpeg", "pad": "x" * 300}), 400),
    ],
)
def test_bad_upload_requests_are_refused(
    cloud: Cloud, media: MediaCloud, body: str | None, status: int
) -> None:
    cloud.camera("cam-1", snapshots=True)
    assert _post_media("cam-1", body)[0] == status


def test_only_live_cameras_with_detections_or_snapshots_may_upload(cloud: Cloud, media: MediaCloud) -> None:
    cloud.camera("plain")
    ok = json.dumps({"contentType": "image/jpeg"})
    assert _post_media("plain", ok)[0] == 403
    assert _post_media("unknown", ok)[0] == 404


def test_the_owner_gets_the_image_bytes_privately(cloud: Cloud, media: MediaCloud) -> None:
    cloud.camera("cam-1", snapshots=True)
    media.put_image("media/cam-1/" + "a" * 32, PNG)
    ref = media.store.new_ref(OWNER, "cam-1", "media/cam-1/" + "a" * 32, int(time.time()) + 600)

    answer = _get_media(ref, cloud.issuer.mint(OWNER))

    assert answer["statusCode"] == 200
    assert answer["headers"]["Content-Type"] == "image/png"
    assert answer["headers"]["Cache-Control"] == "private"
    assert "Location" not in answer["headers"]
    assert answer["isBase64Encoded"] and base64.b64decode(answer["body"]) == PNG


def test_without_a_valid_token_the_answer_is_401(cloud: Cloud, media: MediaCloud) -> None:
    cloud.camera("cam-1", snapshots=True)
    media.put_image("media/cam-1/" + "a" * 32)
    ref = media.store.new_ref(OWNER, "cam-1", "media/cam-1/" + "a" * 32, int(time.time()) + 600)
    for token in (
        None,
        "not-a-jwt",
        cloud.issuer.mint(OWNER, expires_in=-60),
        cloud.issuer.mint(OWNER, aud="x"),
    ):
        answer = _get_media(ref, token)
        assert answer["statusCode"] == 401 and answer["body"] == ""
        assert answer["headers"]["WWW-Authenticate"] == "Bearer"


def test_another_users_or_an_unknown_reference_is_404_and_an_expired_one_410(
    cloud: Cloud, media: MediaCloud
) -> None:
    cloud.camera("cam-1", snapshots=True)
    key = "media/cam-1/" + "a" * 32
    media.put_image(key)
    live = media.store.new_ref(OWNER, "cam-1", key, int(time.time()) + 600)
    expired = media.store.new_ref(OWNER, "cam-1", key, int(time.time()) - 1)

    assert _get_media(live, cloud.issuer.mint(OTHER))["statusCode"] == 404
    assert _get_media("A" * 22, cloud.issuer.mint(OWNER))["statusCode"] == 404
    assert _get_media("../../etc", cloud.issuer.mint(OWNER))["statusCode"] == 404
    assert _get_media(expired, cloud.issuer.mint(OWNER))["statusCode"] == 410
    # The other user's view of an expired reference is the same 404 as of any other.
    assert _get_media(expired, cloud.issuer.mint(OTHER))["statusCode"] == 404


def test_bytes_that_are_not_jpeg_or_png_are_never_served(cloud: Cloud, media: MediaCloud) -> None:
    cloud.camera("cam-1", snapshots=True)
    key = "media/cam-1/" + "b" * 32
    media.put_image(key, b"<html>not an image</html>")
    ref = media.store.new_ref(OWNER, "cam-1", key, int(time.time()) + 600)
    assert _get_media(ref, cloud.issuer.mint(OWNER))["statusCode"] == 404
    media.put_image(key, JPEG)
    assert _get_media(ref, cloud.issuer.mint(OWNER))["statusCode"] == 200


def test_a_camera_that_changed_owner_no_longer_serves_the_old_owner(cloud: Cloud, media: MediaCloud) -> None:
    cloud.camera("cam-1", snapshots=True)
    key = "media/cam-1/" + "c" * 32
    media.put_image(key)
    ref = media.store.new_ref(OWNER, "cam-1", key, int(time.time()) + 600)
    moved = cloud.registry.get("cam-1")
    assert moved is not None
    later = moved.model_copy(update={"owner_id": OTHER, "last_event_time": "2031-01-01T00:00:00.000000Z"})
    assert cloud.registry.put_if_newer(later)
    assert _get_media(ref, cloud.issuer.mint(OWNER))["statusCode"] == 404
