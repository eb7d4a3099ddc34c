"""A camera's signaling configuration: registry lookup, check-in, MASTER endpoints, TURN servers
and credentials for its own channel, all in the cell that holds the channel.

Knows nothing about Lambda or HTTP: it raises `ConfigRefused` subclasses that the handler maps
to status codes.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import ClientError

from functions.common.aws_clients import THROTTLING_CODES, error_code
from functions.common.cells.config import DEFAULT_CELL_ID
from functions.common.kvs.control_plane import DELETING
from functions.common.kvs.errors import ChannelBusy, ChannelNotFound, Throttled
from functions.common.kvs.router import CellRouter
from functions.common.observability import logger, metrics
from functions.common.registry.store import Device, Registry
from functions.device_config.camera_credentials import CameraCredentialsIssuer, IssuedCredentials
from functions.device_config.errors import ChannelNotReady, DeviceNotFound, TooManyRequests
from functions.device_config.models import CameraCredentials, DeviceConfig, IceServer, MasterEndpoints
from functions.device_config.settings import DeviceConfigSettings

# What KVS answers for a channel it cannot serve yet (or any more): the endpoint call says
# ChannelBusy for a CREATING or DELETING channel, the data plane says ChannelNotFound.
UNAVAILABLE = (ChannelNotFound, ChannelBusy)
# KVS TURN credentials last 5 minutes; ask again a minute before they expire.
DEFAULT_ICE_TTL_SECONDS = 300
REFRESH_MARGIN_SECONDS = 60
THROTTLED_RETRY_AFTER_SECONDS = 2
NOT_READY_RETRY_AFTER_SECONDS = 5


def retry_after(base: int) -> int:
    """`base` to `2 * base` seconds: jitter so that a fleet refused together does not return together."""
    return base + secrets.randbelow(base + 1)


def refresh_after(ice_servers: list[IceServer], credentials_ttl: int) -> int:
    """Before the first of the TURN credentials and the channel credentials expires."""
    ttl = min(*([s.ttl for s in ice_servers] or [DEFAULT_ICE_TTL_SECONDS]), credentials_ttl)
    return max(ttl - REFRESH_MARGIN_SECONDS, ttl // 2)


def _throttled(code: str) -> TooManyRequests:
    logger.warning("throttled", extra={"error": code})
    return TooManyRequests("too many requests; retry later", retry_after(THROTTLED_RETRY_AFTER_SECONDS))


@contextmanager
def throttling_refused() -> Iterator[None]:
    """KVS throttling, or the registry's, becomes 429 with a Retry-After."""
    try:
        yield
    except Throttled as exc:
        raise _throttled(exc.aws_code) from exc
    except ClientError as exc:
        if error_code(exc) not in THROTTLING_CODES:
            raise
        raise _throttled(error_code(exc)) from exc


class DeviceConfigService:
    def __init__(
        self,
        settings: DeviceConfigSettings,
        registry: Registry,
        router: CellRouter,
        credentials: CameraCredentialsIssuer,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self._registry = registry
        self._router = router
        self._credentials = credentials
        self._clock = clock

    def config_for(self, device_id: str) -> DeviceConfig:
        with throttling_refused():
            device = self._registry.get(device_id)
            if device is None or not device.is_active:
                raise DeviceNotFound("no registered camera with this identity")
            now = self._clock()
            self._check_in(device, int(now))
            if device.channel_arn is None:
                raise ChannelNotReady(
                    "the camera's channel is being created", retry_after(NOT_READY_RETRY_AFTER_SECONDS)
                )
            # No CELLS: the cell is the function's own account and region, `default`.
            cell = self._router.cell_of(device.channel_arn)
            endpoints, ice_servers = self._signaling_for(device.channel_arn, device_id)
            credentials = self._credentials.issue(
                self.settings.camera_role_arn(device.channel_arn, cell.id if cell else DEFAULT_CELL_ID),
                device.channel_arn,
                device_id,
            )
        refresh = refresh_after(ice_servers, int(credentials.expiration.timestamp() - now))
        return DeviceConfig(
            device_id=device_id,
            channel_name=device.channel_name or self.settings.channel_name(device_id),
            channel_arn=device.channel_arn,
            endpoints=endpoints,
            ice_servers=ice_servers,
            message_ttl_seconds=device.message_ttl_seconds or self.settings.message_ttl_seconds,
            refresh_after_seconds=refresh,
            refresh_at=datetime.fromtimestamp(int(now) + refresh, UTC),
            credentials=_camera_credentials(credentials, device.channel_arn),
        )

    def _check_in(self, device: Device, now: int) -> None:
        """Stamp the check-in at most once per interval; the item just read says if it is due."""
        interval = self.settings.check_in_interval_seconds
        if device.last_check_in is not None and device.last_check_in > now - interval:
            return
        try:
            recorded = self._registry.record_check_in(device.device_id, now, interval)
        except ClientError as exc:
            # A missed stamp only delays the health report; the camera still gets its config.
            logger.warning(
                "check-in not recorded", extra={"device_id": device.device_id, "error": error_code(exc)}
            )
            metrics.add_metric(name="CheckInFailed", unit=MetricUnit.Count, value=1)
            return
        if recorded:
            metrics.add_metric(name="CheckInRecorded", unit=MetricUnit.Count, value=1)

    def _signaling_for(self, channel_arn: str, device_id: str) -> tuple[MasterEndpoints, list[IceServer]]:
        signaling = self._router.signaling(channel_arn)
        try:
            endpoints = MasterEndpoints.model_validate(signaling.endpoints.get(channel_arn, "MASTER"))
            # TURN credentials expire, so they are never cached.
            ice_servers = [
                IceServer(uris=s.uris, username=s.username, password=s.password, ttl=s.ttl)
                for s in signaling.ice_servers(endpoints.https, channel_arn, device_id)
            ]
        except UNAVAILABLE as exc:
            logger.info("channel unavailable", extra={"device_id": device_id, "error": exc.aws_code})
        else:
            return endpoints, ice_servers
        # Only on this failure path is the status worth a DescribeSignalingChannel; the cached
        # endpoints may belong to a channel that is gone, so they are dropped.
        signaling.endpoints.forget(channel_arn)
        try:
            status = self._router.control(channel_arn).status(channel_arn)
        except ChannelNotFound:
            raise DeviceNotFound("the camera's channel no longer exists") from None
        if status == DELETING:
            raise DeviceNotFound("the camera's channel no longer exists")
        raise ChannelNotReady(
            f"the camera's channel is not ready ({status})", retry_after(NOT_READY_RETRY_AFTER_SECONDS)
        )


def _camera_credentials(issued: IssuedCredentials, channel_arn: str) -> CameraCredentials:
    return CameraCredentials(
        access_key_id=issued.access_key_id,
        secret_access_key=issued.secret_access_key,
        session_token=issued.session_token,
        expiration=issued.expiration,
        region=channel_arn.split(":")[3],  # the channel's, where the credentials sign its calls
    )
