"""Everything a directive needs, built once per container: during Lambda's INIT phase (the
handler module calls `dependencies()` on Lambda), so the first directive does not pay for it.

Tests start from fresh emulated AWS state and call `dependencies.cache_clear()` (after `close()`)
to rebuild them.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache, partial
from typing import TYPE_CHECKING

from functions.alexa_skill.logic import Skill
from functions.alexa_skill.settings import SkillSettings
from functions.alexa_skill.tokens import TokenVerifier, key_source
from functions.common import aws_clients
from functions.common.kvs.clients import ClientLimits
from functions.common.kvs.router import CellRouter
from functions.common.registry.store import Registry

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_secretsmanager import SecretsManagerClient

    from functions.alexa_skill.account_grants import AccountGrants
    from functions.alexa_skill.vision import VisionParts

# Enough for concurrent directives on one container, including offers still waiting on a master
# after their deadline passed.
WORKERS = 8


@dataclass(frozen=True)
class DeadlineLimits:
    """botocore limits derived from the directive deadline: a call never outlives the directive,
    and a retry is only worth it on the control plane (an offer resent after a timeout would
    just wait again)."""

    connect_timeout: float
    read_timeout: float

    @classmethod
    def for_deadline(cls, seconds: float) -> DeadlineLimits:
        return cls(connect_timeout=min(1.0, seconds / 3), read_timeout=seconds)

    def dynamodb(self) -> DynamoDBClient:
        return aws_clients.client(
            "dynamodb", connect_timeout=self.connect_timeout, read_timeout=self.read_timeout, max_attempts=2
        )

    def secrets_manager(self) -> SecretsManagerClient:
        return aws_clients.client(
            "secretsmanager",
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            max_attempts=2,
        )

    def kvs(self, max_attempts: int) -> ClientLimits:
        return ClientLimits(self.connect_timeout, self.read_timeout, max_attempts)


@dataclass(frozen=True)
class Dependencies:
    settings: SkillSettings
    skill: Skill
    dynamodb: DynamoDBClient
    router: CellRouter
    executor: ThreadPoolExecutor
    verifier: TokenVerifier

    def close(self) -> None:
        """Wait for calls still running on the workers (tests, before their mock ends)."""
        self.executor.shutdown(wait=True)


@cache
def dependencies() -> Dependencies:
    settings = SkillSettings.load()
    limits = DeadlineLimits.for_deadline(settings.skill_deadline_seconds)
    dynamodb = limits.dynamodb()
    # Each channel's cell from its ARN, that cell's clients made on first use: no STS call at
    # INIT, and the control plane only for a registry item with no endpoint recorded, a stale
    # endpoint, and ReportState (the cold InitiateSessionWithOffer path does not create it).
    router = CellRouter(
        settings.cells_config,
        control_limits=limits.kvs(max_attempts=2),
        data_limits=limits.kvs(max_attempts=1),
    )
    executor = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="alexa-skill")
    verifier = TokenVerifier(
        key_source(settings.identity_jwks_url),
        issuer=settings.identity_issuer,
        audience=settings.identity_audience,
    )
    skill = Skill(
        verifier=verifier,
        registry=Registry(settings.registry_table_name, dynamodb),
        router=router,
        executor=executor,
        # AcceptGrant comes once per account link: its modules, LWA and the Secrets Manager client
        # are built on the first one, not on every cold start.
        grants=cache(partial(_account_grants, settings, limits, dynamodb)),
        vision=cache(partial(_vision_parts, dynamodb)),
    )
    return Dependencies(
        settings=settings, skill=skill, dynamodb=dynamodb, router=router, executor=executor, verifier=verifier
    )


def init() -> Dependencies:
    """What Lambda's INIT runs: the dependencies, and the identity provider's key set fetched so
    that a SnapStart snapshot holds it (the first directive opens no connection for it)."""
    deps = dependencies()
    deps.verifier.keep_keys_warm()
    return deps


def _account_grants(
    settings: SkillSettings, limits: DeadlineLimits, dynamodb: DynamoDBClient
) -> AccountGrants:
    # Imported on the first AcceptGrant: its modules (LWA, the grants store, Powertools Parameters)
    # have no part in an offer.
    from functions.alexa_skill import account_grants  # noqa: PLC0415

    return account_grants.build(settings, dynamodb, limits.secrets_manager(), timeout=limits.read_timeout)


def _vision_parts(dynamodb: DynamoDBClient) -> VisionParts:
    # Built on the first SmartVision or DataController directive: a skill whose cameras detect
    # nothing needs neither the media settings nor the clients.
    from functions.alexa_skill.vision import VisionParts, VisionSettings  # noqa: PLC0415
    from functions.common.detections.image_uris import ImageUris  # noqa: PLC0415
    from functions.common.detections.media_store import MediaStore, s3_client  # noqa: PLC0415
    from functions.common.detections.store import DetectionsStore  # noqa: PLC0415

    settings = VisionSettings.load()
    store = DetectionsStore(settings.detections_table_name, dynamodb)
    return VisionParts(
        settings, store, MediaStore(settings.media_bucket_name, s3_client()), ImageUris.of(settings, store)
    )
