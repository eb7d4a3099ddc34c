"""Alexa property states, one definition for ReportState answers and ChangeReports alike."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


def time_of_sample(at: datetime) -> str:
    """UTC with millisecond precision and a trailing Z, as Alexa requires."""
    at = at.astimezone(UTC)
    return f"{at:%Y-%m-%dT%H:%M:%S}.{at.microsecond // 1000:03d}Z"


class _Message(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class ConnectivityValue(_Message):
    value: Literal["OK", "UNREACHABLE"]


class ConnectivityProperty(_Message):
    namespace: Literal["Alexa.EndpointHealth"] = "Alexa.EndpointHealth"
    name: Literal["connectivity"] = "connectivity"
    value: ConnectivityValue
    time_of_sample: str
    uncertainty_in_milliseconds: Annotated[int, Field(ge=0)]
