"""The envelope every message we send to Alexa shares (the skill's responses, the gateway's
events, SmartVision and DataController): header, endpoint with its scope, and the error payload.
A message module composes these with its own payload and event models.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

# Alexa's endpointId: a narrower set than deviceId allows (no '.'), 1 to 256 characters. Here, not
# beside Discovery's endpoint models, so that a message naming an endpoint does not load those.
ENDPOINT_ID_PATTERN = r"^[a-zA-Z0-9_\-=#;:?@&]{1,256}$"
EndpointId = Annotated[str, Field(pattern=ENDPOINT_ID_PATTERN)]
NonEmpty = Annotated[str, Field(min_length=1)]
# The live view's interface: the skill's offers and answers, and each camera's capability.
RTC = "Alexa.RTCSessionController"


class Model(BaseModel):
    # A scope carries the user's bearer token: no input in a validation error's text.
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, hide_input_in_errors=True
    )

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


class Header(Model):
    namespace: str
    name: str
    # DataController names its instance in every event and response (an endpoint may have several).
    instance: str | None = None
    # "3" for Alexa's own interfaces; SmartVision and DataController carry their interface's.
    payload_version: str
    message_id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    correlation_token: NonEmpty | None = None


class Scope(Model):
    type: Literal["BearerToken"] = "BearerToken"
    token: NonEmpty


class Endpoint(Model):
    scope: Scope | None = None
    endpoint_id: EndpointId


class ErrorPayload(Model):
    type: str
    message: str
