"""AcceptGrant's work: exchange the grant code at Login with Amazon and store the user's tokens.

The code is single-use and short-lived, so it is exchanged inside the AcceptGrant invocation.
Any LWA failure stores nothing (the caller answers ACCEPT_GRANT_FAILED); a later grant replaces
an earlier one. The code and the tokens are never logged.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from functions.common.grants import GrantStore
from functions.common.lwa import LoginWithAmazon, LwaError
from functions.common.observability import logger


class AccountGrants:
    def __init__(
        self, store: GrantStore, lwa: LoginWithAmazon, clock: Callable[[], float] = time.time
    ) -> None:
        self._store = store
        self._lwa = lwa
        self._clock = clock

    def accept(self, owner_id: str, code: str) -> None:
        try:
            tokens = self._lwa.exchange_code(code)
        except LwaError as exc:
            logger.warning("grant code exchange failed", extra={"error": exc.code})
            raise
        self._store.replace(owner_id, tokens, self._clock())
        logger.info("grant stored")
