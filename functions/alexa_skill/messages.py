"""Alexa Smart Home (payload version 3) messages: every directive's envelope, the live view's
payloads, and the response around any payload.

Directive models validate what the skill relies on and ignore the rest; response models produce
exactly the fields the official message schema allows (dump with `to_dict`). Discovery's,
ReportState's and AcceptGrant's payloads are `functions.alexa_skill.account_routes`'s, loaded with
their routes: an offer does not build them.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny
from pydantic.alias_generators import to_camel

from functions.common.alexa import envelope
from functions.common.alexa.envelope import Endpoint, Header

# Alexa's endpointId. Match it with `fullmatch`: Python's `$` also matches before a trailing
# newline (pydantic's does not).
ENDPOINT_ID_PATTERN = re.compile(envelope.ENDPOINT_ID_PATTERN)
PAYLOAD_VERSION: Literal["3"] = "3"

EndpointId = Annotated[str, Field(pattern=ENDPOINT_ID_PATTERN.pattern)]
NonEmpty = Annotated[str, Field(min_length=1)]
CorrelationToken = NonEmpty


class Message(BaseModel):
    # Directives carry bearer tokens and grant codes: no input in a validation error's text.
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, hide_input_in_errors=True
    )


# --- directives ---------------------------------------------------------------------------


class DirectiveScope(Message):
    type: Literal["BearerToken"]
    token: NonEmpty


class DirectiveHeader(Message):
    namespace: NonEmpty
    name: NonEmpty
    # "3" for Alexa's own interfaces; SmartVision and DataController carry their interface's.
    payload_version: Literal["3", "1.0", "1.1"]
    # DataController names the data controller (an endpoint may have several).
    instance: NonEmpty | None = None
    message_id: NonEmpty
    correlation_token: CorrelationToken | None = None


class DirectiveEndpoint(Message):
    endpoint_id: EndpointId
    scope: DirectiveScope | None = None


class Directive(Message):
    header: DirectiveHeader
    endpoint: DirectiveEndpoint | None = None
    payload: dict[str, Any] = Field(default_factory=dict)


class DirectiveEnvelope(Message):
    directive: Directive


class Offer(Message):
    format: Annotated[str, Field(pattern=r"^[Ss][Dd][Pp]$")]
    value: NonEmpty


class OfferPayload(Message):
    session_id: NonEmpty
    offer: Offer


class SessionPayload(Message):
    session_id: NonEmpty


# --- responses ----------------------------------------------------------------------------


class Answer(Message):
    format: Literal["SDP"] = "SDP"
    value: str


class AnswerPayload(Message):
    answer: Answer


class SessionEventPayload(Message):
    session_id: str


# Any response payload or context model, dumped as its own class: the response does not name every
# payload, so building it builds none of the others (a test maps each response to its payload).
AnyModel = SerializeAsAny[BaseModel]


class ResponseEvent(Message):
    header: Header
    endpoint: Endpoint | None = None
    payload: AnyModel


class AlexaResponse(Message):
    context: AnyModel | None = None
    event: ResponseEvent

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")
