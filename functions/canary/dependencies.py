"""The canary's settings and parts, built once per container (`dependencies.cache_clear()` in tests)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from functions.canary.camera_config import CameraConfig, fetch_config
from functions.canary.logic import CanaryParts
from functions.canary.settings import CanarySettings
from functions.canary.skill import LambdaSkill
from functions.canary.tokens import CognitoTokens, RefreshTokens, TokenSource, secret_reader
from functions.common.aws_clients import cached_client, client, process_session, sts_client

# The skill's own deadline is at most 6 s: the invocation may take that, and a little more.
SKILL_READ_TIMEOUT_S = 8.0
CONFIG_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Dependencies:
    settings: CanarySettings
    parts: CanaryParts


@cache
def dependencies() -> Dependencies:
    settings = CanarySettings.load()
    region = process_session().get_config_variable("region") or "us-east-1"
    control_account = sts_client().get_caller_identity()["Account"]
    cells = {cell.account: cell.id for cell in settings.cells(control_account, region)}
    read = secret_reader(settings.token_secret_id, client("secretsmanager"))
    tokens: TokenSource
    if settings.identity_provider == "cognito":
        cognito = cached_client(
            "cognito-idp",
            region=None,
            endpoint_url=None,
            connect_timeout=2.0,
            read_timeout=5.0,
            max_attempts=2,
        )
        tokens = CognitoTokens(read, cognito, str(settings.user_pool_id), str(settings.client_id))
    else:
        tokens = RefreshTokens(read)

    def config(device_id: str) -> CameraConfig:
        return fetch_config(
            sts_client(),
            device_id,
            camera_role_arn=settings.camera_role_arn,
            config_url=settings.config_url,
            region=region,
            timeout=CONFIG_TIMEOUT_S,
        )

    skill = LambdaSkill(
        client("lambda", read_timeout=SKILL_READ_TIMEOUT_S, max_attempts=1), settings.skill_function
    )
    parts = CanaryParts(
        tokens=tokens,
        config=config,
        skill=skill,
        cell_of=lambda account: cells.get(account, "unknown"),
        answer_budget_s=settings.answer_budget_seconds,
    )
    return Dependencies(settings=settings, parts=parts)
