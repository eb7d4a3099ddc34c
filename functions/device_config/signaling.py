"""KVS access for the device config: MASTER endpoints (cached), TURN servers (fresh), status."""

from __future__ import annotations

from typing import TYPE_CHECKING

from functions.common import aws_clients
from functions.common.kvs_endpoints import EndpointCache
from functions.device_config.models import IceServer, MasterEndpoints

if TYPE_CHECKING:
    from mypy_boto3_kinesisvideo import KinesisVideoClient


class ChannelSignaling:
    def __init__(self, kvs: KinesisVideoClient | None = None) -> None:
        self._kvs = kvs if kvs is not None else aws_clients.client("kinesisvideo")
        self._endpoints = EndpointCache(self._kvs)

    def master_endpoints(self, channel_arn: str) -> MasterEndpoints:
        return MasterEndpoints.model_validate(self._endpoints.get(channel_arn, "MASTER"))

    def forget(self, channel_arn: str) -> None:
        self._endpoints.forget(channel_arn)

    def ice_servers(self, https_endpoint: str, channel_arn: str, client_id: str) -> list[IceServer]:
        """TURN servers with fresh credentials (they expire, so they are never cached)."""
        # GetIceServerConfig is served only by the channel's own HTTPS endpoint.
        signaling = aws_clients.client("kinesis-video-signaling", endpoint_url=https_endpoint)
        response = signaling.get_ice_server_config(ChannelARN=channel_arn, ClientId=client_id, Service="TURN")
        return [
            IceServer(uris=s["Uris"], username=s["Username"], password=s["Password"], ttl=s["Ttl"])
            for s in response.get("IceServerList", [])
        ]

    def channel_status(self, channel_arn: str) -> str | None:
        """CREATING, ACTIVE, UPDATING or DELETING; None when the channel does not exist."""
        try:
            response = self._kvs.describe_signaling_channel(ChannelARN=channel_arn)
        except self._kvs.exceptions.ResourceNotFoundException:
            return None
        return str(response["ChannelInfo"]["ChannelStatus"])
