"""Everything the events function needs, built once per container on first use; what works for
one record to its deadline (the sender and the reports it serves) is made per record.

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
from functions.common.alexa.credentials import credentials_reader
from functions.common.alexa.grants import GrantStore
from functions.common.alexa.lwa import LoginWithAmazon
from functions.common.deadline import Deadline
from functions.common.registry.store import Registry

# An HTTP call to LWA or the gateway (or the record's time left, if less): Alexa answers within a
# second or two when healthy.
HTTP_TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True)
class Dependencies:
    settings: EventsSettings
    tokens: AccessTokens
    gateway: EventGateway
    registry: Registry

    def reports(self, deadline: Deadline) -> EndpointReports:
        return EndpointReports(self.registry, Sender(self.tokens, self.gateway, deadline))

    def presence(self, deadline: Deadline) -> PresenceReports:
        return PresenceReports(
            self.registry,
            Sender(self.tokens, self.gateway, deadline),
            max_press_age=self.settings.doorbell_max_press_age_seconds,
        )

    def detections(self, deadline: Deadline) -> DetectionReports:
        return DetectionReports(Sender(self.tokens, self.gateway, deadline))


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
    return Dependencies(
        settings=settings,
        tokens=AccessTokens(GrantStore(settings.grants_table_name, dynamodb), lwa),
        gateway=EventGateway(settings.gateway_url, timeout=HTTP_TIMEOUT_SECONDS),
        registry=Registry(settings.registry_table_name, dynamodb),
    )
