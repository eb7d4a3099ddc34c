"""KVS clients: the control plane (`kinesisvideo`) and the data plane (`kinesis-video-signaling`,
one per channel HTTPS endpoint), all made by `_client` and cached by `aws_clients`.

A data-plane client must be created with `endpoint_url` = the channel's HTTPS endpoint: on the
default host its calls fail with UnknownOperationException.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, cast

from functions.common import aws_clients

if TYPE_CHECKING:
    from mypy_boto3_kinesis_video_signaling import KinesisVideoSignalingChannelsClient
    from mypy_boto3_kinesisvideo import KinesisVideoClient

    # The control plane client's type, for the functions that hold one (only this package names
    # the KVS stubs).
    ControlPlaneClient = KinesisVideoClient

Service = Literal["kinesisvideo", "kinesis-video-signaling"]
# boto3 sessions are not safe to create clients from concurrently (a cold container's first
# directives may ask for the same endpoint's client at once).
_lock = threading.Lock()


class ClientLimits(NamedTuple):
    """botocore timeouts and attempts; one attempt where the caller retries on its own terms."""

    connect_timeout: float = 2.0
    read_timeout: float = 5.0
    max_attempts: int = 3


def _client(service: Service, region: str | None, endpoint: str | None, limits: ClientLimits) -> Any:
    """The one place a KVS client is made: one per (service, region, endpoint, limits)."""
    with _lock:
        return aws_clients.cached_client(
            service,
            region=region,
            endpoint_url=endpoint,
            connect_timeout=limits.connect_timeout,
            read_timeout=limits.read_timeout,
            max_attempts=limits.max_attempts,
        )


def control_plane(limits: ClientLimits, *, region: str | None = None) -> KinesisVideoClient:
    return cast("KinesisVideoClient", _client("kinesisvideo", region, None, limits))


def data_plane(
    https_endpoint: str, limits: ClientLimits, *, region: str | None = None
) -> KinesisVideoSignalingChannelsClient:
    return cast(
        "KinesisVideoSignalingChannelsClient",
        _client("kinesis-video-signaling", region, https_endpoint, limits),
    )
