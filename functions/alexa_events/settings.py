"""The events function's configuration: the shared settings, the grants, the gateway."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from functions.common.settings import AlexaAuthorizationSettings, OutboundUrl

GATEWAYS = {
    "NA": "https://api.amazonalexa.com/v3/events",
    "EU": "https://api.eu.amazonalexa.com/v3/events",
    "FE": "https://api.fe.amazonalexa.com/v3/events",
}
# Alexa serves each skill region from one AWS region: North America from us-east-1, Europe and
# India from eu-west-1, the Far East and Australia from us-west-2.
_FAR_EAST_REGIONS = ("us-west-2", "ap-northeast-", "ap-southeast-", "ap-east-")
_EUROPE_REGIONS = ("eu-", "me-", "af-", "il-", "ap-south-")


def gateway_for_region(region: str) -> str:
    if region.startswith(_FAR_EAST_REGIONS):
        return GATEWAYS["FE"]
    if region.startswith(_EUROPE_REGIONS):
        return GATEWAYS["EU"]
    return GATEWAYS["NA"]


class EventsSettings(AlexaAuthorizationSettings):
    aws_region: Annotated[str, Field(alias="AWS_REGION", min_length=1)] = "us-east-1"
    # Overrides the gateway derived from the region (tests and the local cloud point it at loopback).
    alexa_event_gateway_url: Annotated[OutboundUrl | None, Field(alias="ALEXA_EVENT_GATEWAY_URL")] = None

    # A press is "someone is at the door now": an Echo that rings and opens the live view minutes
    # later shows an empty porch. Older presses (a backlog, a dead-letter redrive) are dropped.
    doorbell_max_press_age_seconds: Annotated[
        int, Field(alias="DOORBELL_MAX_PRESS_AGE_SECONDS", ge=1, le=3600)
    ] = 30

    @property
    def gateway_url(self) -> str:
        return self.alexa_event_gateway_url or gateway_for_region(self.aws_region)
