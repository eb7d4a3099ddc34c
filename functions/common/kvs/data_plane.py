"""The KVS data plane: SendAlexaOfferToMaster and GetIceServerConfig on a channel's HTTPS
endpoint, through one client per endpoint, raising neutral errors (errors.py).

The VIEWER endpoint of an offer comes, cheapest first, from this container's cache, from the one
the registry recorded for the channel (so a cold offer makes no control-plane call), or from
GetSignalingChannelEndpoint. An endpoint not fetched just now may be stale: on the failures a moved
endpoint causes, it is fetched afresh once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from functions.common.kvs import clients
from functions.common.kvs.endpoints import EndpointCache
from functions.common.kvs.errors import ChannelNotFound, MasterAbsent, UnknownOperation, Unreachable, neutral

if TYPE_CHECKING:
    from functions.common.cells.config import Cell

# Data-plane failures that a moved or stale endpoint can cause; worth one fresh endpoint.
_STALE_ENDPOINT_ERRORS = (ChannelNotFound, UnknownOperation, Unreachable)


class IceServerConfig(NamedTuple):
    """A TURN server with its short-lived credentials."""

    uris: list[str]
    username: str
    password: str
    ttl: int


class SignalingDataPlane:
    def __init__(
        self, endpoints: EndpointCache, limits: clients.ClientLimits, *, cell: Cell | None = None
    ) -> None:
        self.endpoints = endpoints
        self._limits = limits
        self._cell = cell

    def send_alexa_offer(
        self, channel_arn: str, sender_client_id: str, payload: str, recorded_endpoint: str | None
    ) -> str:
        """The master's Answer (base64) to the offer `payload`. MasterAbsent when no master took it;
        ChannelNotFound when the control plane knows no such channel."""
        cached = self.endpoints.cached(channel_arn, "VIEWER")
        # One this container fetched wins over the record (which a failure may have replaced).
        known = (cached["HTTPS"] if cached else None) or recorded_endpoint
        while True:
            https = known or self.endpoints.get(channel_arn, "VIEWER")["HTTPS"]
            try:
                return self._send(https, channel_arn, sender_client_id, payload)
            except _STALE_ENDPOINT_ERRORS as exc:
                if known:
                    known = None
                    self.endpoints.forget(channel_arn)
                    continue
                # The channel was just confirmed by the control plane: on the data plane, not
                # found means no master took the offer before its TTL.
                if isinstance(exc, ChannelNotFound):
                    raise MasterAbsent(exc.aws_code) from exc
                raise

    def _send(self, https: str, channel_arn: str, sender_client_id: str, payload: str) -> str:
        client = clients.data_plane(https, self._limits, cell=self._cell)
        response = neutral(
            lambda: client.send_alexa_offer_to_master(
                ChannelARN=channel_arn, SenderClientId=sender_client_id, MessagePayload=payload
            )
        )
        return str(response["Answer"])

    def ice_servers(self, https_endpoint: str, channel_arn: str, client_id: str) -> list[IceServerConfig]:
        """TURN servers with fresh credentials (served only by the channel's own HTTPS endpoint)."""
        client = clients.data_plane(https_endpoint, self._limits, cell=self._cell)
        response = neutral(
            lambda: client.get_ice_server_config(ChannelARN=channel_arn, ClientId=client_id, Service="TURN")
        )
        return [
            IceServerConfig(uris=s["Uris"], username=s["Username"], password=s["Password"], ttl=s["Ttl"])
            for s in response.get("IceServerList", [])
        ]
