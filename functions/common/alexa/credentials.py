"""The skill's Alexa Skill Messaging client credentials, from Secrets Manager via Powertools
Parameters, cached for a few minutes so a rotated value is picked up without a redeploy.

A malformed value (not JSON, a misspelt key, a missing field) is `InvalidClient`, logged with the
names of the fields at fault and never any part of the value: not in the message, not in a chained
exception that a DEBUG log line would print."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from functions.common.alexa.lwa import ClientCredentials, InvalidClient
from functions.common.observability import logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider
    from mypy_boto3_secretsmanager import SecretsManagerClient

CACHE_SECONDS = 300


def credentials_reader(secret_id: str, client: SecretsManagerClient) -> Callable[[], ClientCredentials]:
    provider: SecretsProvider | None = None

    def read() -> ClientCredentials:
        # Powertools Parameters imports boto3 (its session, s3transfer): loaded on the first read
        # (the first token refresh or AcceptGrant), not on a function's import or INIT.
        from aws_lambda_powertools.utilities.parameters import SecretsProvider  # noqa: PLC0415
        from aws_lambda_powertools.utilities.parameters.exceptions import (  # noqa: PLC0415
            TransformParameterError,
        )

        nonlocal provider
        if provider is None:
            provider = SecretsProvider(boto3_client=client)
        try:
            value: Any = provider.get(secret_id, transform="json", max_age=CACHE_SECONDS)
            return ClientCredentials.model_validate(value)
        except TransformParameterError:
            problems = ["not JSON"]
        except ValidationError as exc:
            problems = [f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['type']}" for e in exc.errors()]
        logger.error("the client credentials secret is malformed", extra={"problems": problems})
        raise InvalidClient("malformed_client_credentials")

    return read
