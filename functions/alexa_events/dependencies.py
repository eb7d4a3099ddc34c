"""Everything the events function needs, built once per container on first use.

Tests start from fresh emulated AWS state and call `dependencies.cache_clear()` to rebuild them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from functions.alexa_events.detection_reports import DetectionReports
from functions.alexa_events.gateway import EventGateway
from functions.alexa_events.presence_reports import PresenceReports
from functions.alexa_events.reports import EndpointReports
from functions.alexa_events.sender import Sender
from functions.alexa_events.settings import EventsSettings
from functions.alexa_events.tokens import AccessTokens
from functions.common import aws_clients
from functions.common.alexa_credentials import credentials_reader
from functions.common.grants import GrantStore
from functions.common.lwa import LoginWithAmazon
from functions.common.registry import Registry

# An HTTP call to LWA or the gateway: Alexa answers within a second or two when healthy.
HTTP_TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True)
class Dependencies:
    settings: EventsSettings
    tokens: AccessTokens
    sender: Sender
    reports: EndpointReports
    presence: PresenceReports
    detections: DetectionReports


@cache
def dependencies() -> Dependencies:
    settings = EventsSettings.load()
    dynamodb = aws_clients.client("dynamodb")
    secrets = aws_clients.client("secretsmanager")
    lwa = LoginWithAmazon(
        settings.lwa_token_url,
        credentials_reader(settings.alexa_client_secret_id, secrets),
        timeout=HTTP_TIMEOUT_SECONDS,
    )
    tokens = AccessTokens(GrantStore(settings.grants_table_name, dynamodb), lwa)
    sender = Sender(tokens, EventGateway(settings.gateway_url, timeout=HTTP_TIMEOUT_SECONDS))
    registry = Registry(settings.registry_table_name, dynamodb)
    return Dependencies(
        settings=settings,
        tokens=tokens,
        sender=sender,
        reports=EndpointReports(registry, sender),
        presence=PresenceReports(registry, sender),
        detections=DetectionReports(sender),
    )
