"""KVS clients: the control plane (`kinesisvideo`) and the data plane (`kinesis-video-signaling`,
one per channel HTTPS endpoint), all made by `_client` and cached by `aws_clients`.

A data-plane client must be created with `endpoint_url` = the channel's HTTPS endpoint: on the
default host its calls fail with UnknownOperationException.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, cast

from functions.common import aws_clients
from functions.common.cells.credentials import shared_credentials

if TYPE_CHECKING:
    from functions.common.cells.config import Cell

if TYPE_CHECKING:
    from mypy_boto3_kinesis_video_signaling import KinesisVideoSignalingChannelsClient
    from mypy_boto3_kinesisvideo import KinesisVideoClient

    # The control plane client's type, for the functions that hold one (only this package names
    # the KVS stubs).
    ControlPlaneClient = KinesisVideoClient

Service = Literal["kinesisvideo", "kinesis-video-signaling"]
# One client per key even when a cold container's first directives ask for the same endpoint's
# client at once (creating it also takes `aws_clients`' lock: botocore sessions are not safe to
# create clients from concurrently).
_lock = threading.Lock()
_cell_clients: dict[tuple[Service, Cell, str | None, ClientLimits], Any] = {}


class ClientLimits(NamedTuple):
    """botocore timeouts and attempts; one attempt where the caller retries on its own terms."""

    connect_timeout: float = 2.0
    read_timeout: float = 5.0
    max_attempts: int = 3


def _client(service: Service, cell: Cell | None, endpoint: str | None, limits: ClientLimits) -> Any:
    """The one place a KVS client is made: one per (service, cell, endpoint, limits). No cell, or a
    cell without a role (in the control account): the function's own credentials, in the cell's
    region; a cell with a role: that role's cached credentials (functions.common.cells.credentials)."""
    with _lock:
        if cell is None or cell.role_arn is None:
            return aws_clients.cached_client(
                service,
                region=cell.region if cell is not None else None,
                endpoint_url=endpoint,
                connect_timeout=limits.connect_timeout,
                read_timeout=limits.read_timeout,
                max_attempts=limits.max_attempts,
            )
        key = (service, cell, endpoint, limits)
        client = _cell_clients.get(key)
        if client is None:
            client = (
                shared_credentials()
                .session(cell)
                .client(
                    service,
                    endpoint_url=endpoint,
                    config=aws_clients.client_config(
                        connect_timeout=limits.connect_timeout,
                        read_timeout=limits.read_timeout,
                        max_attempts=limits.max_attempts,
                    ),
                )
            )
            _cell_clients[key] = client
        return client


def clear_cache() -> None:
    """Forget the clients of remote cells (the others live in `aws_clients`' cache)."""
    with _lock:
        _cell_clients.clear()


aws_clients.also_clear(clear_cache)


def control_plane(limits: ClientLimits, *, cell: Cell | None = None) -> KinesisVideoClient:
    return cast("KinesisVideoClient", _client("kinesisvideo", cell, None, limits))


def data_plane(
    https_endpoint: str, limits: ClientLimits, *, cell: Cell | None = None
) -> KinesisVideoSignalingChannelsClient:
    return cast(
        "KinesisVideoSignalingChannelsClient",
        _client("kinesis-video-signaling", cell, https_endpoint, limits),
    )
