"""Discover, ReportState and AcceptGrant: the directives about the user's account and cameras
rather than a live view, with their payloads. Loaded on the first of them (`directives`), so an
offer on a plain cold start builds none of these models, nor Discovery's endpoint models; a
SnapStart INIT loads them into the snapshot.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from functions.alexa_skill.directives import (
    AUTHORIZATION,
    Route,
    endpoint_and_token,
    payload_as,
    response_to,
)
from functions.alexa_skill.logic import Skill
from functions.alexa_skill.messages import AlexaResponse, Directive, DirectiveScope, Message, NonEmpty
from functions.common.alexa.endpoints import DiscoveredEndpoint, discovered_endpoint
from functions.common.alexa.properties import ConnectivityProperty, ConnectivityValue, time_of_sample
from functions.common.deadline import Deadline
from functions.common.device_id import is_device_id
from functions.common.observability import logger


class DiscoverPayload(Message):
    scope: DirectiveScope


class AuthorizationGrant(Message):
    type: Literal["OAuth2.AuthorizationCode"]
    code: NonEmpty


class AcceptGrantPayload(Message):
    grant: AuthorizationGrant
    grantee: DirectiveScope


class EmptyPayload(Message):
    model_config = ConfigDict(extra="forbid")


class DiscoverResponsePayload(Message):
    endpoints: Annotated[list[DiscoveredEndpoint], Field(max_length=300)]


class Context(Message):
    properties: list[ConnectivityProperty]


def _discover(directive: Directive, skill: Skill, deadline: Deadline) -> AlexaResponse:
    payload = payload_as(DiscoverPayload, directive)
    endpoints = []
    for device in skill.discover(payload.scope.token, deadline):
        if is_device_id(device.device_id):
            endpoints.append(discovered_endpoint(device))
        else:
            # A registry item older than the deviceId rule: Alexa rejects the whole response for
            # one bad endpointId, and such a camera could never fetch its config; skip it.
            logger.warning("camera id is not a valid deviceId", extra={"device_id": device.device_id})
    logger.info("discovery", extra={"endpoints": len(endpoints)})
    return response_to(
        directive, "Alexa.Discovery", "Discover.Response", DiscoverResponsePayload(endpoints=endpoints)
    )


def _report_state(directive: Directive, skill: Skill, deadline: Deadline) -> AlexaResponse:
    endpoint_id, token = endpoint_and_token(directive)
    reachable, since_confirmed_ms = skill.is_reachable(token, endpoint_id, deadline)
    connectivity = ConnectivityProperty(
        value=ConnectivityValue(value="OK" if reachable else "UNREACHABLE"),
        time_of_sample=time_of_sample(datetime.now(UTC)),
        # Alexa: the time since the value was last confirmed. OK rests on the camera's last
        # confirmation (connect event or check-in); UNREACHABLE on what was just read.
        uncertainty_in_milliseconds=since_confirmed_ms if reachable else 0,
    )
    response = response_to(directive, "Alexa", "StateReport", EmptyPayload(), endpoint_id)
    return response.model_copy(update={"context": Context(properties=[connectivity])})


def _accept_grant(directive: Directive, skill: Skill, deadline: Deadline) -> AlexaResponse:
    payload = payload_as(AcceptGrantPayload, directive)
    skill.accept_grant(payload.grantee.token, payload.grant.code, deadline)
    return response_to(directive, AUTHORIZATION, "AcceptGrant.Response", EmptyPayload())


ROUTES: dict[tuple[str, str], Route] = {
    ("Alexa.Discovery", "Discover"): _discover,
    ("Alexa", "ReportState"): _report_state,
    (AUTHORIZATION, "AcceptGrant"): _accept_grant,
}
