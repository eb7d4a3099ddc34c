"""A user's Alexa access token: the stored one while fresh, otherwise refreshed exactly once.

Of several senders that find the same token stale (or rejected), the one that takes the refresh
lease calls LWA; the others wait for the grant's revision to change and use the new token. An
LWA answer of invalid_grant means the user's refresh token was revoked: the grant is deleted.
The wait and the LWA call end by the record's deadline: `DeadlineExceeded` when too little of it
is left to start them.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from aws_lambda_powertools.metrics import MetricUnit

from functions.common.alexa.grants import GrantStore, StoredGrant
from functions.common.alexa.lwa import InvalidGrant, LoginWithAmazon, LwaError
from functions.common.deadline import Deadline, DeadlineExceeded
from functions.common.http import MIN_CALL_SECONDS
from functions.common.observability import logger, metrics

# Refresh this long before the expiry LWA gave, so a token never expires in flight.
REFRESH_MARGIN_SECONDS = 300
# A refresher that died frees the lease after this; LWA answers well within it.
LEASE_SECONDS = 10
# How long a sender waits for another one's refresh before leaving the record to a redelivery.
WAIT_SECONDS = 12.0
POLL_SECONDS = 0.1


class NoGrant(Exception):
    """The owner has no grant: never linked, or unlinked (the grant was just deleted)."""


class RefreshPending(Exception):
    """Another sender's refresh did not finish in time; try again later."""


class AccessTokens:
    def __init__(
        self,
        store: GrantStore,
        lwa: LoginWithAmazon,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._store = store
        self._lwa = lwa
        self._clock = clock
        self._sleep = sleep

    def current(self, owner_id: str, deadline: Deadline) -> StoredGrant:
        """The owner's grant with a token good for a while; refreshed first when needed."""
        grant = self._get(owner_id)
        if grant.fresh(self._clock(), REFRESH_MARGIN_SECONDS):
            return grant
        return self.refreshed(grant, deadline)

    def refreshed(self, stale: StoredGrant, deadline: Deadline) -> StoredGrant:
        """A grant newer than `stale`: refreshed here, or by a concurrent sender meanwhile."""
        grant = stale
        give_up = self._clock() + WAIT_SECONDS
        while True:
            deadline.require(MIN_CALL_SECONDS)  # no lease taken without the time to refresh
            if self._store.take_refresh_lease(grant, self._clock(), LEASE_SECONDS):
                break
            deadline.require(POLL_SECONDS + MIN_CALL_SECONDS)
            self._sleep(POLL_SECONDS)
            grant = self._get(stale.owner_id)
            if grant.revision != stale.revision:
                return grant
            if self._clock() > give_up:
                raise RefreshPending(stale.owner_id)
        return self._refresh(grant, deadline)

    def forget(self, grant: StoredGrant) -> None:
        """The user unlinked the skill: drop the grant (unless a new AcceptGrant replaced it)."""
        self._store.delete(grant)

    def _refresh(self, grant: StoredGrant, deadline: Deadline) -> StoredGrant:
        metrics.add_metric(name="TokenRefreshes", unit=MetricUnit.Count, value=1)
        try:
            tokens = self._lwa.refresh(grant.refresh_token, deadline)
        except InvalidGrant:
            logger.warning("refresh token revoked; the grant is deleted")
            self.forget(grant)
            raise NoGrant(grant.owner_id) from None
        except LwaError as exc:
            metrics.add_metric(name="LwaFailures", unit=MetricUnit.Count, value=1)
            logger.warning("token refresh failed", extra={"error": exc.code})
            self._store.release_refresh_lease(grant)
            raise
        except DeadlineExceeded:
            self._store.release_refresh_lease(grant)
            raise
        # False only if a new AcceptGrant replaced the grant meanwhile: its token is newer.
        self._store.store_refreshed(grant, tokens, self._clock())
        return self._get(grant.owner_id)

    def _get(self, owner_id: str) -> StoredGrant:
        grant = self._store.get(owner_id)
        if grant is None:
            raise NoGrant(owner_id)
        return grant
