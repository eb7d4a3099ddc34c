"""`GET /config` on the HTTP API (IAM authorization, payload 2.0): a camera's signaling config.

The caller's identity comes only from the request context (see `identity.py`); a query or body
naming any other device is refused with 403.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from functions.common.cold_start import build_at_init
from functions.common.function_arn import account_and_region
from functions.common.observability import logger, metrics, tracer
from functions.device_config.dependencies import dependencies
from functions.device_config.errors import BadRequest, ConfigRefused
from functions.device_config.identity import device_id_from_caller, refuse_other_device
from functions.device_config.media_upload import uploads
from functions.device_config.models import ConfigRequest, ErrorBody

# The answer carries TURN credentials: no cache along the way may keep it.
_NO_STORE = {"Cache-Control": "no-store"}

app = APIGatewayHttpResolver()


# Settings and clients.
build_at_init(dependencies)


def _named_device(event: APIGatewayProxyEventV2) -> str | None:
    """The deviceId a request names in its query or body, if any (they are not how it is chosen)."""
    try:
        query = ConfigRequest.model_validate(event.query_string_parameters)
        body = ConfigRequest.model_validate_json(event.decoded_body) if event.decoded_body else None
    # ValueError: a body flagged base64 that is not base64, or not UTF-8 once decoded.
    except (ValidationError, ValueError):
        raise BadRequest("the query or body is not valid") from None
    named = {r.device_id for r in (query, body) if r is not None and r.device_id is not None}
    if len(named) > 1:
        raise BadRequest("the query and body name different devices")
    return named.pop() if named else None


def _error(status: HTTPStatus, body: ErrorBody) -> Response[dict[str, Any]]:
    headers = dict(_NO_STORE)
    if body.retry_after_seconds is not None:
        headers["Retry-After"] = str(body.retry_after_seconds)
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body.model_dump(by_alias=True, exclude_none=True),
        headers=headers,
    )


def _calling_camera() -> str:
    """The deviceId of the camera whose role session signed this request (refused otherwise)."""
    function_account, _ = account_and_region(app.lambda_context.invoked_function_arn)
    device_id = device_id_from_caller(
        app.current_event.request_context.authorizer.iam.user_arn, dependencies().settings, function_account
    )
    logger.append_keys(device_id=device_id)
    return device_id


@app.get("/config")
def get_config() -> Response[dict[str, Any]]:
    config_service = dependencies()
    event = app.current_event
    device_id = _calling_camera()
    refuse_other_device(_named_device(event), device_id)
    config = config_service.config_for(device_id)
    metrics.add_metric(name="ConfigServed", unit=MetricUnit.Count, value=1)
    logger.info("config served", extra={"ice_servers": len(config.ice_servers)})
    return Response(
        status_code=HTTPStatus.OK,
        content_type=content_types.APPLICATION_JSON,
        body=config.to_json(),
        headers=_NO_STORE,
    )


@app.post("/media")
def post_media() -> Response[dict[str, Any]]:
    event = app.current_event
    device_id = _calling_camera()
    try:
        body = event.decoded_body
    except ValueError:  # flagged base64 but not, or not UTF-8
        raise BadRequest("the body is not valid") from None
    grant = uploads().grant(device_id, body)
    metrics.add_metric(name="UploadsGranted", unit=MetricUnit.Count, value=1)
    return Response(
        status_code=HTTPStatus.OK, content_type=content_types.APPLICATION_JSON, body=grant, headers=_NO_STORE
    )


def refused(exc: ConfigRefused) -> Response[dict[str, Any]]:
    metrics.add_metric(name=f"Refused{exc.status.value}", unit=MetricUnit.Count, value=1)
    logger.info("config refused", extra={"status": exc.status.value, "reason": exc.message})
    return _error(
        exc.status, ErrorBody(code=exc.code, message=exc.message, retry_after_seconds=exc.retry_after)
    )


@app.not_found
def no_route(_: NotFoundError) -> Response[dict[str, Any]]:
    metrics.add_metric(name="RouteNotFound", unit=MetricUnit.Count, value=1)
    return _error(HTTPStatus.NOT_FOUND, ErrorBody(code="NOT_FOUND", message="no such route"))


def failed(exc: Exception) -> Response[dict[str, Any]]:
    # Details go to the log only; the camera learns nothing about the internals.
    logger.exception("config failed")
    metrics.add_metric(name="ConfigFailed", unit=MetricUnit.Count, value=1)
    return _error(
        HTTPStatus.INTERNAL_SERVER_ERROR, ErrorBody(code="INTERNAL_ERROR", message="internal error")
    )


# Registered by call: the decorator form is untyped and would hide the functions' types.
app.exception_handler(ConfigRefused)(refused)
app.exception_handler(Exception)(failed)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)  # the response carries TURN credentials
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
