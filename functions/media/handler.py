"""`GET /media/{ref}` on the HTTP API (no IAM auth: Alexa presents the user's bearer token).

Answers the image bytes (base64 for API Gateway, the image's own content type, `Cache-Control:
private`, never a redirect) or an empty 401 / 404 / 410.
"""

from __future__ import annotations

from functools import cache
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.alexa_skill.tokens import TokenVerifier, key_source
from functions.common import aws_clients
from functions.common.cold_start import build_at_init
from functions.common.detections.media_store import MediaStore, s3_client
from functions.common.detections.store import DetectionsStore
from functions.common.observability import logger, metrics, tracer
from functions.common.registry.store import Registry
from functions.media.logic import MediaEndpoint, MediaRefused
from functions.media.settings import MediaEndpointSettings

app = APIGatewayHttpResolver()


@cache
def endpoint() -> MediaEndpoint:
    settings = MediaEndpointSettings.load()
    dynamodb = aws_clients.client("dynamodb")
    return MediaEndpoint(
        verifier=TokenVerifier(
            key_source(settings.identity_jwks_url),
            issuer=settings.identity_issuer,
            audience=settings.identity_audience,
        ),
        detections=DetectionsStore(settings.detections_table_name, dynamodb),
        media=MediaStore(settings.media_bucket_name, s3_client()),
        registry=Registry(settings.registry_table_name, dynamodb),
    )


def init() -> MediaEndpoint:
    """What Lambda's INIT runs: the endpoint and the key set, so no request waits for it."""
    built = endpoint()
    built.verifier.keep_keys_warm()
    return built


build_at_init(init)


@app.get("/media/<ref>")
def get_media(ref: str) -> Response[Any]:
    try:
        image = endpoint().fetch(app.current_event.headers.get("authorization"), ref)
    except MediaRefused as exc:
        metrics.add_metric(name=f"MediaRefused{exc.status.value}", unit=MetricUnit.Count, value=1)
        logger.info("image refused", extra={"status": exc.status.value, "reason": exc.reason})
        headers = {"Cache-Control": "no-store"}
        if exc.status is HTTPStatus.UNAUTHORIZED:
            headers["WWW-Authenticate"] = "Bearer"
        return Response(status_code=exc.status, body="", headers=headers)
    metrics.add_metric(name="MediaServed", unit=MetricUnit.Count, value=1)
    return Response(
        status_code=HTTPStatus.OK,
        content_type=image.content_type,
        body=image.data,
        headers={"Cache-Control": "private"},
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)  # the response is an image
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # Counted whatever the answer (an unrouted path included): every invocation publishes a metric.
    metrics.add_metric(name="MediaRequests", unit=MetricUnit.Count, value=1)
    return app.resolve(event, context)
