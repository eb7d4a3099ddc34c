"""Everything a config request needs, built once per container on first use (settings validated,
clients and the endpoint cache kept warm).

Tests start from fresh emulated AWS state and call `dependencies.cache_clear()` to rebuild them.
"""

from __future__ import annotations

from functools import cache

from functions.common.kvs import clients as kvs_clients
from functions.common.kvs.control_plane import ChannelControl
from functions.common.kvs.data_plane import SignalingDataPlane
from functions.common.kvs.endpoints import EndpointCache
from functions.common.registry import Registry
from functions.device_config.logic import DeviceConfigService
from functions.device_config.settings import DeviceConfigSettings


@cache
def dependencies() -> DeviceConfigService:
    settings = DeviceConfigSettings.load()
    limits = kvs_clients.ClientLimits()
    control = ChannelControl(kvs_clients.control_plane(limits))
    signaling = SignalingDataPlane(EndpointCache(control), limits)
    return DeviceConfigService(settings, Registry(settings.registry_table_name), signaling, control)
