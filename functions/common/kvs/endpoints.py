"""Signaling channel endpoints, cached per container.

A channel's endpoints are stable for its lifetime, so one GetSignalingChannelEndpoint per
(channel, role) per container is enough; a caller that finds a cached endpoint stale calls
`forget` and asks again once.
"""

from __future__ import annotations

import threading

from functions.common.kvs.control_plane import ChannelControl, Role


class EndpointCache:
    def __init__(self, control: ChannelControl) -> None:
        self._control = control
        self._endpoints: dict[tuple[str, Role], dict[str, str]] = {}
        self._lock = threading.Lock()

    def get(self, channel_arn: str, role: Role) -> dict[str, str]:
        """{"HTTPS": url, "WSS": url} for the channel and role."""
        key = (channel_arn, role)
        cached = self._endpoints.get(key)
        if cached is not None:
            return cached
        endpoints = self._control.endpoints(channel_arn, role, ["WSS", "HTTPS"])
        with self._lock:
            self._endpoints[key] = endpoints
        return endpoints

    def cached(self, channel_arn: str, role: Role) -> dict[str, str] | None:
        """The endpoints kept for the channel and role, without asking KVS; None if none are."""
        return self._endpoints.get((channel_arn, role))

    def forget(self, channel_arn: str) -> None:
        with self._lock:
            for key in [k for k in self._endpoints if k[0] == channel_arn]:
                del self._endpoints[key]
