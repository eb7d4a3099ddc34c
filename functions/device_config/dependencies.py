"""Everything a config request needs, built once per container on first use (settings validated,
clients and the endpoint cache kept warm).

Tests start from fresh emulated AWS state and call `dependencies.cache_clear()` to rebuild them.
"""

from __future__ import annotations

from functools import cache

from functions.common.registry import Registry
from functions.device_config.logic import DeviceConfigService
from functions.device_config.settings import DeviceConfigSettings
from functions.device_config.signaling import ChannelSignaling


@cache
def dependencies() -> DeviceConfigService:
    settings = DeviceConfigSettings.load()
    return DeviceConfigService(settings, Registry(settings.registry_table_name), ChannelSignaling())
