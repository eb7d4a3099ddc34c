"""Send one event to one user through the Alexa event gateway, handling every gateway answer.

The sender every outbound event goes through (discovery reports now, change reports and doorbell
presses later): it finds the user's token, builds the event with it (the token is also the
event's `scope`), sends, and decides on the answer. 401: refresh once and resend. 403 (the user
unlinked): delete the grant, no retry. 429, 5xx and timeouts: back off and resend a few times
within the invocation, then `GatewayBusy` leaves the record to SQS's redelivery. Any other 4xx
is a defect on our side: `RequestRejected` sends the record towards the dead-letter queue.
A sender works for one record, to its deadline: every call, refresh and backoff ends by it, and an
attempt the time left cannot cover is not started (`DeadlineExceeded`: SQS delivers it again).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from functions.alexa_events.gateway import EventGateway, GatewayBusy, InvalidAccessToken, UserGone
from functions.alexa_events.tokens import AccessTokens, NoGrant
from functions.common.deadline import Deadline
from functions.common.http import MIN_CALL_SECONDS
from functions.common.observability import logger, metrics

ATTEMPTS = 3
BACKOFF_SECONDS = 0.2

EventBuilder = Callable[[str], dict[str, Any]]


class Delivery(StrEnum):
    DELIVERED = "delivered"
    NO_GRANT = "no_grant"
    UNLINKED = "unlinked"


class Sender:
    def __init__(
        self,
        tokens: AccessTokens,
        gateway: EventGateway,
        deadline: Deadline,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._tokens = tokens
        self._gateway = gateway
        self._deadline = deadline
        self._sleep = sleep

    def send(self, owner_id: str, build: EventBuilder) -> Delivery:
        try:
            return self._send(owner_id, build)
        except NoGrant:
            metrics.add_metric(name="EventsSkippedNoGrant", unit=MetricUnit.Count, value=1)
            logger.info("owner has not linked the skill; event skipped")
            return Delivery.NO_GRANT

    def _send(self, owner_id: str, build: EventBuilder) -> Delivery:
        grant = self._tokens.current(owner_id, self._deadline)
        refreshed = False
        busy = 0
        while True:
            metrics.add_metric(name="GatewayCalls", unit=MetricUnit.Count, value=1)
            try:
                event = build(grant.access_token.get_secret_value())
                self._gateway.send(grant.access_token, event, self._deadline)
            except InvalidAccessToken:
                if refreshed:
                    # A token LWA just issued was refused: leave it to a redelivery.
                    raise GatewayBusy("INVALID_ACCESS_TOKEN_EXCEPTION", 401) from None
                grant, refreshed = self._tokens.refreshed(grant, self._deadline), True
                continue
            except UserGone as exc:
                metrics.add_metric(name="UsersUnlinked", unit=MetricUnit.Count, value=1)
                logger.info("user unlinked the skill; grant deleted", extra={"error": exc.code})
                self._tokens.forget(grant)
                return Delivery.UNLINKED
            except GatewayBusy as exc:
                busy += 1
                if busy >= ATTEMPTS:
                    raise
                logger.info("gateway busy; retrying", extra={"error": exc.code, "attempt": busy})
                # Full jitter, so senders throttled together do not come back together.
                pause = random.uniform(0, BACKOFF_SECONDS * 2**busy)  # noqa: S311 (jitter)
                self._deadline.require(pause + MIN_CALL_SECONDS)
                self._sleep(pause)
                continue
            metrics.add_metric(name="EventsDelivered", unit=MetricUnit.Count, value=1)
            return Delivery.DELIVERED
