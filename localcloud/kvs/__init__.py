"""Emulation of AWS Kinesis Video Streams signaling channels inside moto.

Importing this package has no side effects and does not import moto; ``install()`` does.
The core is laid out as a moto service (models, responses, exceptions, urls); masters, faults,
call accounting and settings sit on top of it (see docs/local-cloud.md, the KVS emulation).

- ``install()``: route CreateSignalingChannel, DescribeSignalingChannel, ListSignalingChannels,
  UpdateSignalingChannel, DeleteSignalingChannel, TagResource, UntagResource,
  ListTagsForResource, GetSignalingChannelEndpoint, SendAlexaOfferToMaster and
  GetIceServerConfig to the emulation (mock_aws and moto server).
- Masters: ``attach_master(channel_arn, answer)``, ``register_master(channel_arn, master)``,
  ``detach_master(channel_arn)``, ``MasterHandle.detach()``; ``PayloadMaster`` (payloads in and
  out verbatim) and ``Master`` (decoded offers, answer dicts), ``AsyncPayloadMaster`` and
  ``AsyncMaster`` (adapters for masters on an asyncio loop).
- Calls: ``calls()``, ``clear_calls()``, ``CallRecord``.
- Faults: ``enable_quotas()``, ``disable_quotas()``, ``set_channel_limit(n)``,
  ``inject(operation, error=..., latency_s=..., times=...)``, ``reset_faults()``.
- Settings: ``set_creation_delay(s)``, ``set_transition_delays(...)``, ``set_offer_wait_cap(s)``,
  ``set_endpoint_base(https=..., wss=...)``, ``set_tags_page_size(n)``, ``reset_settings()``.
- Errors raised in process (attach_master on a missing channel): ``KvsError``.

May import: `functions`, nothing else of the local cloud.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .accounting import CallRecord, calls, clear_calls
from .config import (
    reset_settings,
    set_creation_delay,
    set_endpoint_base,
    set_offer_wait_cap,
    set_tags_page_size,
    set_transition_delays,
)
from .install import install
from .masters import (
    AsyncMaster,
    AsyncPayloadMaster,
    Master,
    MasterHandle,
    PayloadMaster,
    attach_master,
    detach_master,
    register_master,
)

if TYPE_CHECKING:
    from .exceptions import KvsError

# Modules that import moto (which registers a botocore hook) are imported on first use only,
# hence the function-level imports here and in masters.py and install.py.


def __getattr__(name: str) -> Any:
    if name == "KvsError":
        from .exceptions import KvsError  # noqa: PLC0415

        return KvsError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def enable_quotas(scale: float = 1.0) -> None:
    """Answer calls over the documented TPS quotas (times ``scale``) with ClientLimitExceededException."""
    from .faults import enable_quotas as run  # noqa: PLC0415

    run(scale)


def disable_quotas() -> None:
    from .faults import disable_quotas as run  # noqa: PLC0415

    run()


def set_channel_limit(limit: int | None) -> None:
    """Channels per account and region; None restores AWS's (10,000 or 5,000 by region)."""
    from .faults import set_channel_limit as run  # noqa: PLC0415

    run(limit)


def inject(
    operation: str,
    *,
    error: str | None = None,
    latency_s: float = 0.0,
    times: int | None = None,
    message: str = "Injected fault",
    status: int | None = None,
    account: str | None = None,
) -> None:
    """Make the next ``times`` calls of ``operation`` (all when None; only ``account``'s when given)
    slow and/or fail."""
    from .faults import inject as run  # noqa: PLC0415

    run(
        operation,
        error=error,
        latency_s=latency_s,
        times=times,
        message=message,
        status=status,
        account=account,
    )


def reset_faults() -> None:
    """Quotas off, default channel limit, no injections."""
    from .faults import reset_faults as run  # noqa: PLC0415

    run()


__all__ = [
    "AsyncMaster",
    "AsyncPayloadMaster",
    "CallRecord",
    "KvsError",
    "Master",
    "MasterHandle",
    "PayloadMaster",
    "attach_master",
    "calls",
    "clear_calls",
    "detach_master",
    "disable_quotas",
    "enable_quotas",
    "inject",
    "install",
    "register_master",
    "reset_faults",
    "reset_settings",
    "set_channel_limit",
    "set_creation_delay",
    "set_endpoint_base",
    "set_offer_wait_cap",
    "set_tags_page_size",
    "set_transition_delays",
]
