"""AcceptGrant's work: exchange the grant code at Login with Amazon and store the user's tokens.

The code is single-use and short-lived, so it is exchanged inside the AcceptGrant invocation.
Any LWA failure stores nothing (the caller answers ACCEPT_GRANT_FAILED); a later grant replaces
an earlier one. The exchange ends a little before the directive's deadline, and nothing is
stored once it has passed: a grant is stored only when AcceptGrant can still answer success.
The code and the tokens are never logged.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from functions.alexa_skill.settings import SkillSettings
from functions.common.alexa.credentials import credentials_reader
from functions.common.alexa.grants import GrantStore
from functions.common.alexa.lwa import LoginWithAmazon, LwaError
from functions.common.deadline import Deadline
from functions.common.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_secretsmanager import SecretsManagerClient

# Time kept after the exchange for storing the grant (a DynamoDB put takes milliseconds).
STORE_SECONDS = 0.5


class AccountGrants:
    def __init__(
        self, store: GrantStore, lwa: LoginWithAmazon, clock: Callable[[], float] = time.time
    ) -> None:
        self._store = store
        self._lwa = lwa
        self._clock = clock

    def accept(self, owner_id: str, code: str, deadline: Deadline) -> None:
        try:
            tokens = self._lwa.exchange_code(code, deadline.earlier(STORE_SECONDS))
        except LwaError as exc:
            logger.warning("grant code exchange failed", extra={"error": exc.code})
            raise
        deadline.require(0)
        self._store.replace(owner_id, tokens, self._clock())
        logger.info("grant stored")


def build(
    settings: SkillSettings, dynamodb: DynamoDBClient, secrets: SecretsManagerClient, *, timeout: float
) -> AccountGrants:
    """AcceptGrant's work as the skill's settings configure it."""
    lwa = LoginWithAmazon(
        settings.lwa_token_url, credentials_reader(settings.alexa_client_secret_id, secrets), timeout=timeout
    )
    return AccountGrants(GrantStore(settings.grants_table_name, dynamodb), lwa)
