"""Everything a config request needs, built once per container on first use (settings validated,
clients and the endpoint caches kept warm).

Tests start from fresh emulated AWS state and call `dependencies.cache_clear()` to rebuild them.
"""

from __future__ import annotations

from functools import cache

from functions.common.cells import Cell
from functions.common.kvs import clients as kvs_clients
from functions.common.kvs.control_plane import ChannelControl
from functions.common.kvs.data_plane import SignalingDataPlane
from functions.common.kvs.endpoints import EndpointCache
from functions.common.registry import Registry
from functions.device_config.camera_credentials import CameraCredentialsIssuer, sts_client
from functions.device_config.logic import CellKvs, DeviceConfigService
from functions.device_config.settings import DeviceConfigSettings


@cache
def dependencies() -> DeviceConfigService:
    settings = DeviceConfigSettings.load()
    limits = kvs_clients.ClientLimits()

    @cache
    def kvs_in(cell: Cell | None) -> CellKvs:
        control = ChannelControl(kvs_clients.control_plane(limits, cell=cell))
        return CellKvs(SignalingDataPlane(EndpointCache(control), limits, cell=cell), control)

    # The control account's KVS clients and STS now (a remote cell's need its role's credentials,
    # fetched on the first request there).
    for cell in settings.cells_config or [None]:
        if cell is None or cell.role_arn is None:
            kvs_in(cell)
    sts_client()
    return DeviceConfigService(
        settings,
        Registry(settings.registry_table_name),
        kvs_in,
        CameraCredentialsIssuer(settings.camera_credentials_duration_seconds),
    )
