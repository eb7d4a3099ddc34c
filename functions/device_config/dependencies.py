"""Everything a config request needs, built once per container on first use (settings validated,
clients and the endpoint caches kept warm).

Tests start from fresh emulated AWS state and call `dependencies.cache_clear()` to rebuild them.
"""

from __future__ import annotations

from functools import cache

from functions.common.aws_clients import sts_client
from functions.common.kvs import clients as kvs_clients
from functions.common.kvs.router import CellRouter
from functions.common.registry.store import Registry
from functions.device_config.camera_credentials import CameraCredentialsIssuer
from functions.device_config.logic import DeviceConfigService
from functions.device_config.settings import DeviceConfigSettings


@cache
def dependencies() -> DeviceConfigService:
    settings = DeviceConfigSettings.load()
    limits = kvs_clients.ClientLimits()
    # Every camera's first request asks the control plane for its endpoints: the control account's
    # client and STS's are made now (the router's lazy client finds the same cached one). A remote
    # cell's client waits for the first request there, which brings its role's AssumeRole.
    for cell in settings.cells_config or [None]:
        if cell is None or cell.role_arn is None:
            kvs_clients.control_plane(limits, cell=cell)
    sts_client()
    return DeviceConfigService(
        settings,
        Registry(settings.registry_table_name),
        CellRouter(settings.cells_config, control_limits=limits, data_limits=limits),
        CameraCredentialsIssuer(settings.camera_credentials_duration_seconds),
    )
