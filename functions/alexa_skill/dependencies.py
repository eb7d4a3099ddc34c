"""Everything a directive needs, built once per container: during Lambda's INIT phase (the
handler module calls `dependencies()` on Lambda), so the first directive does not pay for it.

Tests start from fresh emulated AWS state and call `dependencies.cache_clear()` (after `close()`)
to rebuild them.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, cast

from functions.alexa_skill.account_grants import AccountGrants
from functions.alexa_skill.logic import Skill
from functions.alexa_skill.offers import OfferSender
from functions.alexa_skill.settings import SkillSettings
from functions.alexa_skill.tokens import TokenVerifier, key_source
from functions.common import aws_clients
from functions.common.alexa_credentials import credentials_reader
from functions.common.grants import GrantStore
from functions.common.kvs_endpoints import EndpointCache
from functions.common.lwa import LoginWithAmazon
from functions.common.registry import Registry

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_kinesis_video_signaling import KinesisVideoSignalingChannelsClient
    from mypy_boto3_kinesisvideo import KinesisVideoClient
    from mypy_boto3_secretsmanager import SecretsManagerClient

# Enough for concurrent directives on one container, including offers still waiting on a master
# after their deadline passed.
WORKERS = 8


@dataclass(frozen=True)
class ClientLimits:
    """botocore limits derived from the directive deadline: a call never outlives the directive,
    and a retry is only worth it on the control plane (an offer resent after a timeout would
    just wait again)."""

    connect_timeout: float
    read_timeout: float

    @classmethod
    def for_deadline(cls, seconds: float) -> ClientLimits:
        return cls(connect_timeout=min(1.0, seconds / 3), read_timeout=seconds)

    def dynamodb(self) -> DynamoDBClient:
        return aws_clients.client(
            "dynamodb", connect_timeout=self.connect_timeout, read_timeout=self.read_timeout, max_attempts=2
        )

    def kinesis_video(self) -> KinesisVideoClient:
        return aws_clients.client(
            "kinesisvideo",
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            max_attempts=2,
        )

    def secrets_manager(self) -> SecretsManagerClient:
        return aws_clients.client(
            "secretsmanager",
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            max_attempts=2,
        )

    def signaling(self, https_endpoint: str) -> KinesisVideoSignalingChannelsClient:
        return aws_clients.client(
            "kinesis-video-signaling",
            endpoint_url=https_endpoint,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            max_attempts=1,
        )


@dataclass(frozen=True)
class Dependencies:
    settings: SkillSettings
    skill: Skill
    dynamodb: DynamoDBClient
    kvs: KinesisVideoClient
    executor: ThreadPoolExecutor

    def close(self) -> None:
        """Wait for calls still running on the workers (tests, before their mock ends)."""
        self.executor.shutdown(wait=True)


@cache
def dependencies() -> Dependencies:
    settings = SkillSettings.load()
    limits = ClientLimits.for_deadline(settings.skill_deadline_seconds)
    dynamodb = limits.dynamodb()
    # Control plane only for a registry item with no endpoint recorded, a stale endpoint, and
    # ReportState: the cold InitiateSessionWithOffer path does not create it. The proxy forwards
    # every attribute to the client it creates on first use.
    kvs = cast("KinesisVideoClient", aws_clients.LazyClient(limits.kinesis_video))
    executor = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="alexa-skill")
    offers = OfferSender(
        EndpointCache(kvs),
        limits.signaling,
    )
    verifier = TokenVerifier(
        key_source(settings.identity_jwks_url),
        issuer=settings.identity_issuer,
        audience=settings.identity_audience,
    )
    secrets = limits.secrets_manager()
    lwa = LoginWithAmazon(
        settings.lwa_token_url,
        credentials_reader(settings.alexa_client_secret_id, secrets),
        timeout=limits.read_timeout,
    )
    grants = AccountGrants(GrantStore(settings.grants_table_name, dynamodb), lwa)
    skill = Skill(
        verifier=verifier,
        registry=Registry(settings.registry_table_name, dynamodb),
        offers=offers,
        kvs=kvs,
        executor=executor,
        grants=grants,
    )
    return Dependencies(settings=settings, skill=skill, dynamodb=dynamodb, kvs=kvs, executor=executor)
