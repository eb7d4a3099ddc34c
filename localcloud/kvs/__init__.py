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

import importlib
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
    from .faults import disable_quotas, enable_quotas, inject, reset_faults, set_channel_limit

# Modules that import moto (which registers a botocore hook) are imported on first use only,
# hence these names resolved on first access, and the function-level imports in masters.py and
# install.py.
_LAZY = {
    "KvsError": "exceptions",
    **dict.fromkeys(
        ["enable_quotas", "disable_quotas", "set_channel_limit", "inject", "reset_faults"], "faults"
    ),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
