"""The skill's Alexa Skill Messaging client credentials, from Secrets Manager via Powertools
Parameters, cached for a few minutes so a rotated value is picked up without a redeploy."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.parameters import SecretsProvider

from functions.common.lwa import ClientCredentials

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

CACHE_SECONDS = 300


def credentials_reader(secret_id: str, client: SecretsManagerClient) -> Callable[[], ClientCredentials]:
    provider = SecretsProvider(boto3_client=client)

    def read() -> ClientCredentials:
        value: Any = provider.get(secret_id, transform="json", max_age=CACHE_SECONDS)
        return ClientCredentials.model_validate(value)

    return read
