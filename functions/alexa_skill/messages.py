"""Alexa Smart Home (payload version 3) messages: the directives handled and every response.

Directive models validate what the skill relies on and ignore the rest; response models produce
exactly the fields the official message schema allows (dump with `to_dict`).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from functions.common.alexa import endpoints as alexa_endpoints
from functions.common.alexa.endpoints import DiscoveredEndpoint
from functions.common.alexa.envelope import Endpoint, ErrorPayload, Header
from functions.common.alexa.properties import ConnectivityProperty

# Alexa's endpointId: a narrower set than deviceId allows (no '.'), 1 to 256 characters. Match it
# with `fullmatch`: Python's `$` also matches before a trailing newline (pydantic's does not).
ENDPOINT_ID_PATTERN = re.compile(alexa_endpoints.ENDPOINT_ID_PATTERN)
PAYLOAD_VERSION: Literal["3"] = "3"

EndpointId = Annotated[str, Field(pattern=ENDPOINT_ID_PATTERN.pattern)]
NonEmpty = Annotated[str, Field(min_length=1)]
CorrelationToken = NonEmpty


class _Message(BaseModel):
    # Directives carry bearer tokens and grant codes: no input in a validation error's text.
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, hide_input_in_errors=True
    )


# --- directives ---------------------------------------------------------------------------


class DirectiveScope(_Message):
    type: Literal["BearerToken"]
    token: NonEmpty


class DirectiveHeader(_Message):
    namespace: NonEmpty
    name: NonEmpty
    # "3" for Alexa's own interfaces; SmartVision and DataController carry their interface's.
    payload_version: Literal["3", "1.0", "1.1"]
    # DataController names the data controller (an endpoint may have several).
    instance: NonEmpty | None = None
    message_id: NonEmpty
    correlation_token: CorrelationToken | None = None


class DirectiveEndpoint(_Message):
    endpoint_id: EndpointId
    scope: DirectiveScope | None = None


class Directive(_Message):
    header: DirectiveHeader
    endpoint: DirectiveEndpoint | None = None
    payload: dict[str, Any] = Field(default_factory=dict)


class DirectiveEnvelope(_Message):
    directive: Directive


class DiscoverPayload(_Message):
    scope: DirectiveScope


class Offer(_Message):
    format: Annotated[str, Field(pattern=r"^[Ss][Dd][Pp]$")]
    value: NonEmpty


class OfferPayload(_Message):
    session_id: NonEmpty
    offer: Offer


class SessionPayload(_Message):
    session_id: NonEmpty


class AuthorizationGrant(_Message):
    type: Literal["OAuth2.AuthorizationCode"]
    code: NonEmpty


class AcceptGrantPayload(_Message):
    grant: AuthorizationGrant
    grantee: DirectiveScope


# --- responses ----------------------------------------------------------------------------


class EmptyPayload(_Message):
    model_config = ConfigDict(extra="forbid")


class DiscoverResponsePayload(_Message):
    endpoints: Annotated[list[DiscoveredEndpoint], Field(max_length=300)]


class Answer(_Message):
    format: Literal["SDP"] = "SDP"
    value: str


class AnswerPayload(_Message):
    answer: Answer


class SessionEventPayload(_Message):
    session_id: str


Payload = EmptyPayload | DiscoverResponsePayload | AnswerPayload | SessionEventPayload | ErrorPayload


class Context(_Message):
    properties: list[ConnectivityProperty]


class ResponseEvent(_Message):
    header: Header
    endpoint: Endpoint | None = None
    payload: Payload


class AlexaResponse(_Message):
    context: Context | None = None
    event: ResponseEvent

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")
