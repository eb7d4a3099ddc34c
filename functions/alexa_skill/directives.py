"""Directive in, response out: parse the envelope, route on (namespace, name), shape the answer.

Every outcome is an Alexa response; nothing a caller sends makes this raise.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from pydantic import BaseModel, TypeAdapter, ValidationError

from functions.alexa_skill.errors import MESSAGES, ErrorType, SkillError
from functions.alexa_skill.logic import Skill
from functions.alexa_skill.messages import (
    PAYLOAD_VERSION,
    AlexaResponse,
    Answer,
    AnswerPayload,
    CorrelationToken,
    Directive,
    DirectiveEnvelope,
    EndpointId,
    OfferPayload,
    ResponseEvent,
    SessionEventPayload,
    SessionPayload,
)
from functions.common.alexa.envelope import RTC, Endpoint, ErrorPayload, Header
from functions.common.deadline import Deadline
from functions.common.observability import NAMESPACE, logger, metrics

if TYPE_CHECKING:
    from functions.alexa_skill.vision_routes import Prebuilt, VisionRoute

AUTHORIZATION = "Alexa.Authorization"
LOGGED_ID_MAX = 64
P = TypeVar("P", bound=BaseModel)
Response: TypeAlias = "AlexaResponse | Prebuilt"
Route: TypeAlias = "Callable[[Directive, Skill, Deadline], Response]"


def respond(event: Any, skill: Skill, deadline: Deadline) -> Response:
    try:
        directive = DirectiveEnvelope.model_validate(event).directive
    except ValidationError:
        _count_directive("Malformed")
        namespace, correlation_token, endpoint_id = _salvage(event)
        # Alexa.Authorization answers only with ACCEPT_GRANT_FAILED, whatever is wrong.
        error = ErrorType.ACCEPT_GRANT_FAILED if namespace == AUTHORIZATION else ErrorType.INVALID_DIRECTIVE
        return _failure(error, correlation_token, endpoint_id)
    key = (directive.header.namespace, directive.header.name)
    route = ROUTES.get(key) or account_routes().get(key) or vision_routes().get(key)
    _count_directive(directive.header.name if route else "Unsupported")
    endpoint_id = directive.endpoint.endpoint_id if directive.endpoint else None
    logger.append_keys(directive=".".join(key)[:128], endpoint_id=endpoint_id)
    if route is None:
        return _error(directive, SkillError(ErrorType.INVALID_DIRECTIVE))
    try:
        response = route(directive, skill, deadline)
    except SkillError as exc:
        response = _error(directive, exc)
    except Exception:
        logger.exception("directive failed unexpectedly")
        response = _error(directive, SkillError(ErrorType.INTERNAL_ERROR))
    logger.info("directive handled", extra={"outcome": _outcome(response)})
    return response


# --- routes -------------------------------------------------------------------------------


def _initiate_session(directive: Directive, skill: Skill, deadline: Deadline) -> AlexaResponse:
    endpoint_id, token = endpoint_and_token(directive)
    payload = payload_as(OfferPayload, directive)
    # Alexa's sessionIds are uuids; a caller's could be anything, so the log gets a bounded prefix.
    logger.append_keys(session_id=payload.session_id[:LOGGED_ID_MAX])
    sdp = skill.answer_offer(token, endpoint_id, payload.session_id, payload.offer.value, deadline)
    return response_to(
        directive, RTC, "AnswerGeneratedForSession", AnswerPayload(answer=Answer(value=sdp)), endpoint_id
    )


def _session_event(directive: Directive, skill: Skill, deadline: Deadline) -> AlexaResponse:
    endpoint_id, token = endpoint_and_token(directive)
    payload = payload_as(SessionPayload, directive)
    skill.confirm_session(token, endpoint_id, deadline)
    return response_to(
        directive,
        RTC,
        directive.header.name,
        SessionEventPayload(session_id=payload.session_id),
        endpoint_id,
    )


ROUTES: dict[tuple[str, str], Route] = {
    (RTC, "InitiateSessionWithOffer"): _initiate_session,
    (RTC, "SessionConnected"): _session_event,
    (RTC, "SessionDisconnected"): _session_event,
}


@cache
def account_routes() -> dict[tuple[str, str], Route]:
    """Discover, ReportState and AcceptGrant, loaded on the first of them (or of SmartVision's):
    their payloads and Discovery's endpoint models are no part of a live view, so a plain cold
    start does not build them."""
    from functions.alexa_skill.account_routes import ROUTES as ACCOUNT_ROUTES  # noqa: PLC0415

    return ACCOUNT_ROUTES


def _vision(route: VisionRoute) -> Route:
    """A SmartVision or DataController route, given the endpoint, its token and the skill's Vision."""

    def call(directive: Directive, skill: Skill, deadline: Deadline) -> Response:
        endpoint_id, token = endpoint_and_token(directive)
        return route(directive, endpoint_id, token, skill.vision(), deadline)

    return call


@cache
def vision_routes() -> dict[tuple[str, str], Route]:
    """The SmartVision and DataController routes, loaded on the first directive that is none of
    the above: their modules and models (interfaces, detections, media) are no part of an offer,
    so a plain cold start does not load them; the first such directive does (on its own clock)."""
    from functions.alexa_skill.vision_routes import ROUTES as VISION_ROUTES  # noqa: PLC0415

    return {key: _vision(route) for key, route in VISION_ROUTES.items()}


# --- shaping ------------------------------------------------------------------------------


def endpoint_and_token(directive: Directive) -> tuple[str, str]:
    """(endpointId, bearer token) of an endpoint directive."""
    if directive.endpoint is None or directive.endpoint.scope is None:
        raise SkillError(ErrorType.INVALID_DIRECTIVE, "The directive names no endpoint or no token.")
    return directive.endpoint.endpoint_id, directive.endpoint.scope.token


def response_to(
    directive: Directive, namespace: str, name: str, payload: BaseModel, endpoint_id: str | None = None
) -> AlexaResponse:
    return AlexaResponse(
        event=ResponseEvent(
            header=Header(
                namespace=namespace,
                name=name,
                payload_version=PAYLOAD_VERSION,
                correlation_token=directive.header.correlation_token,
            ),
            endpoint=Endpoint(endpoint_id=endpoint_id) if endpoint_id else None,
            payload=payload,
        )
    )


def payload_as(model: type[P], directive: Directive) -> P:
    """The directive's payload as `model`; a payload that does not fit is the caller's error.
    (A ValidationError anywhere else is ours: it surfaces as INTERNAL_ERROR.)"""
    try:
        return model.model_validate(directive.payload)
    except ValidationError:
        raise SkillError(_malformed_type(directive)) from None


def _malformed_type(directive: Directive) -> ErrorType:
    # Alexa.Authorization answers only with ACCEPT_GRANT_FAILED.
    if directive.header.namespace == AUTHORIZATION:
        return ErrorType.ACCEPT_GRANT_FAILED
    return ErrorType.INVALID_DIRECTIVE


def _error(directive: Directive, exc: SkillError) -> AlexaResponse:
    endpoint_id = directive.endpoint.endpoint_id if directive.endpoint else None
    return _failure(exc.type, directive.header.correlation_token, endpoint_id, exc.message)


def _failure(
    error_type: ErrorType,
    correlation_token: str | None,
    endpoint_id: str | None,
    message: str | None = None,
) -> AlexaResponse:
    with single_metric(name="Errors", unit=MetricUnit.Count, value=1, namespace=NAMESPACE) as metric:
        metric.add_dimension(name="ErrorType", value=error_type.value)
    namespace = AUTHORIZATION if error_type is ErrorType.ACCEPT_GRANT_FAILED else "Alexa"
    return AlexaResponse(
        event=ResponseEvent(
            header=Header(
                namespace=namespace,
                name="ErrorResponse",
                payload_version=PAYLOAD_VERSION,
                correlation_token=correlation_token,
            ),
            # An Authorization error is about the grant, not an endpoint.
            endpoint=Endpoint(endpoint_id=endpoint_id) if endpoint_id and namespace == "Alexa" else None,
            payload=ErrorPayload(type=error_type.value, message=message or MESSAGES[error_type]),
        )
    )


def _salvage(event: Any) -> tuple[str | None, str | None, str | None]:
    """The namespace, correlation token and endpointId of a malformed directive, where usable.

    A salvaged value goes into the error response, so it must pass the same field types as that
    response: a raw string can still be unusable (pydantic refuses lone surrogates, valid in JSON,
    which is how a correlation token once made the skill raise)."""
    directive = event.get("directive") if isinstance(event, dict) else None
    if not isinstance(directive, dict):
        return None, None, None
    header, endpoint = directive.get("header"), directive.get("endpoint")
    namespace = header.get("namespace") if isinstance(header, dict) else None
    token = header.get("correlationToken") if isinstance(header, dict) else None
    endpoint_id = endpoint.get("endpointId") if isinstance(endpoint, dict) else None
    return (
        namespace if isinstance(namespace, str) else None,  # only compared, never echoed
        _valid(_CORRELATION_TOKEN, token),
        _valid(_ENDPOINT_ID, endpoint_id),
    )


_CORRELATION_TOKEN: TypeAdapter[str] = TypeAdapter(CorrelationToken)
_ENDPOINT_ID: TypeAdapter[str] = TypeAdapter(EndpointId)


def _valid(field: TypeAdapter[str], value: Any) -> str | None:
    try:
        return field.validate_python(value, strict=True)
    except ValidationError:
        return None


def _outcome(response: Response) -> str:
    if not isinstance(response, AlexaResponse):
        return response.error_type or "ok"
    payload = response.event.payload
    return payload.type if isinstance(payload, ErrorPayload) else "ok"


def _count_directive(name: str) -> None:
    # One directive per invocation, so the dimension also applies to OfferToAnswerLatency.
    metrics.add_dimension(name="Directive", value=name)
    metrics.add_metric(name="Directives", unit=MetricUnit.Count, value=1)
