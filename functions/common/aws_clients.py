"""AWS clients created once per container, with timeouts and retries set on purpose.

Every client comes from one botocore session per process (boto3 only wraps botocore's session
and client factory: importing it adds its resources machinery and s3transfer, ~0.075x the cold
floor, for nothing the functions use). botocore's defaults (60 s connect/read timeouts, legacy
retries) are far too long for a path that must answer Alexa within six seconds, so every client
here is built from explicit limits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, overload

import botocore.loaders
import botocore.session
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sqs import SQSClient


def client_config(*, connect_timeout: float, read_timeout: float, max_attempts: int) -> Config:
    return Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        tcp_keepalive=True,
    )


# botocore sessions are not safe to create clients from concurrently (a cold container's first
# directives may ask for clients at once, from worker threads): the process's session is made,
# and every client created from it or from a cell's session that shares its loader, under this
# lock.
_lock = threading.RLock()
_session: botocore.session.Session | None = None
# botocore's models and endpoint data, the same for every session: kept across `clear_cache()`.
_loader: botocore.loaders.Loader | None = None
_clients: dict[tuple[str, str | None, str | None, float, float, int], Any] = {}


def process_session() -> botocore.session.Session:
    """The process's botocore session, made on first use: region, credentials and endpoints from
    the environment, as boto3's default session resolves them (`AWS_DEFAULT_REGION`,
    `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`, the credential chain)."""
    global _session, _loader  # noqa: PLW0603 (one session per process, made lazily)
    with _lock:
        if _session is None:
            session = botocore.session.get_session()
            if _loader is None:
                _loader = session.get_component("data_loader")
            else:
                session.register_component("data_loader", _loader)
            _session = session
        return _session


def create_client(
    session: botocore.session.Session,
    service: str,
    *,
    region: str | None,
    endpoint_url: str | None,
    config: Config | None,
) -> Any:
    """A new client of `session` (the process's, or a cell's sharing its loader), made under the
    process's lock."""
    with _lock:
        return session.create_client(service, region_name=region, endpoint_url=endpoint_url, config=config)


def cached_client(
    service: str,
    *,
    region: str | None,
    endpoint_url: str | None,
    connect_timeout: float,
    read_timeout: float,
    max_attempts: int,
) -> Any:
    """The one client per (service, region, endpoint, limits); typed by its caller (`client`'s
    overloads here, the KVS package for KVS). None for region: the environment's."""
    key = (service, region, endpoint_url, connect_timeout, read_timeout, max_attempts)
    made = _clients.get(key)
    if made is not None:
        return made
    with _lock:
        made = _clients.get(key)
        if made is None:
            made = create_client(
                process_session(),
                service,
                region=region,
                endpoint_url=endpoint_url,
                config=client_config(
                    connect_timeout=connect_timeout, read_timeout=read_timeout, max_attempts=max_attempts
                ),
            )
            _clients[key] = made
        return made


def process_loader() -> botocore.loaders.Loader:
    """The data loader of the process's session, which makes every client here: botocore's
    endpoint data and service models, read from disk once per process."""
    loader: botocore.loaders.Loader = process_session().get_component("data_loader")
    return loader


_other_caches: list[Callable[[], None]] = []


def also_clear(forget: Callable[[], None]) -> None:
    """Have `clear_cache()` also call `forget` (client caches kept elsewhere, such as per cell)."""
    _other_caches.append(forget)


def clear_cache() -> None:
    """Forget every client and the process's session (tests and the local cloud, when the emulated
    AWS starts afresh: credentials the session resolved go with it, as moto resets boto3's default
    session). The data loader stays: the next session reads no model already loaded."""
    global _session  # noqa: PLW0603
    with _lock:
        _clients.clear()
        _session = None
    for forget in _other_caches:
        forget()


# One overload per service the project calls (KVS clients come from functions.common.kvs), so that
# every client is typed by its service's stubs.
@overload
def client(
    service: Literal["dynamodb"],
    *,
    endpoint_url: str | None = None,
    connect_timeout: float = 2.0,
    read_timeout: float = 5.0,
    max_attempts: int = 3,
) -> DynamoDBClient: ...
@overload
def client(
    service: Literal["lambda"],
    *,
    endpoint_url: str | None = None,
    connect_timeout: float = 2.0,
    read_timeout: float = 5.0,
    max_attempts: int = 3,
) -> LambdaClient: ...
@overload
def client(
    service: Literal["secretsmanager"],
    *,
    endpoint_url: str | None = None,
    connect_timeout: float = 2.0,
    read_timeout: float = 5.0,
    max_attempts: int = 3,
) -> SecretsManagerClient: ...
@overload
def client(
    service: Literal["sqs"],
    *,
    endpoint_url: str | None = None,
    connect_timeout: float = 2.0,
    read_timeout: float = 5.0,
    max_attempts: int = 3,
) -> SQSClient: ...
def client(
    service: str,
    *,
    endpoint_url: str | None = None,
    connect_timeout: float = 2.0,
    read_timeout: float = 5.0,
    max_attempts: int = 3,
) -> Any:
    """A cached client per (service, endpoint, limits); `clear_cache()` forgets them all."""
    return cached_client(
        service,
        region=None,
        endpoint_url=endpoint_url,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        max_attempts=max_attempts,
    )


def sts_client() -> Any:
    """The container's STS client (no stubs installed for it). STS answers in milliseconds, so a
    stuck call fails fast instead of holding a camera's request or a cold offer's deadline."""
    return cached_client(
        "sts", region=None, endpoint_url=None, connect_timeout=1.0, read_timeout=2.0, max_attempts=2
    )


class LazyClient:
    """A client created on its first use: a cold path that never needs it does not pay for loading
    its service model (tens of milliseconds)."""

    def __init__(self, create: Callable[[], Any]) -> None:
        self._create = create
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def created(self) -> bool:
        return self._client is not None

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._create()
        return getattr(self._client, name)


# What AWS services answer when a caller goes over a rate or quota (KVS, DynamoDB, and the
# generic forms): the same call can succeed later.
THROTTLING_CODES = frozenset(
    {
        "ClientLimitExceededException",
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ProvisionedThroughputExceededException",
    }
)


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError or of a neutral error that stands for one
    (`aws_code`, as functions.common.kvs raises), or the exception's class name."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", type(exc).__name__))
    aws_code = getattr(exc, "aws_code", None)
    return aws_code if isinstance(aws_code, str) else type(exc).__name__
