"""HTTP client of a running local cloud: what cameras, the simulated Alexa and the demo call."""

from __future__ import annotations

from typing import Any

import aiohttp


class CloudError(RuntimeError):
    """The local cloud answered an HTTP error."""


class CloudClient:
    def __init__(self, base_url: str, session: aiohttp.ClientSession) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session

    async def _post(self, path: str, body: Any = None, **params: str) -> Any:
        async with self.session.post(f"{self.base_url}{path}", json=body, params=params) as response:
            if response.status >= 500:
                raise CloudError(f"{path}: HTTP {response.status}: {await response.text()}")
            return await response.json()

    async def token(self, user: str, expires_in: int = 3600) -> str:
        """A bearer token for `user` from the local identity provider."""
        return str((await self._post("/token", {"user": user, "expiresIn": expires_in}))["token"])

    async def alexa(self, directive: dict[str, Any]) -> dict[str, Any]:
        """Send a directive to the skill; its response."""
        response: dict[str, Any] = await self._post("/invoke/alexa", directive)
        return response

    async def publish(self, detail_type: str, detail: dict[str, Any]) -> str:
        """Put a device event on the lifecycle queue; its EventBridge id."""
        return str((await self._post("/events", {"detail-type": detail_type, "detail": detail}))["id"])

    async def drain_lifecycle(self) -> dict[str, Any]:
        """Run the lifecycle function over everything queued: {"processed": n, "failed": [...]}."""
        result: dict[str, Any] = await self._post("/invoke/lifecycle")
        return result

    async def rotate(self) -> Any:
        return await self._post("/invoke/rotation")

    async def device_config(self, device_id: str) -> tuple[int, dict[str, Any]]:
        """`GET /config` signed as the device: (HTTP status, body)."""
        async with self.session.post(
            f"{self.base_url}/invoke/device-config", params={"device": device_id}
        ) as response:
            return response.status, await response.json()

    async def link(self, user: str) -> str:
        """The grant code Alexa receives when `user` links the skill (for AcceptGrant)."""
        return str((await self._post("/alexa/link", {"user": user}))["code"])

    async def alexa_endpoints(self, user: str) -> list[dict[str, Any]]:
        """What `user`'s Alexa knows from AddOrUpdateReport and DeleteReport."""
        async with self.session.get(f"{self.base_url}/alexa/endpoints", params={"user": user}) as response:
            endpoints: list[dict[str, Any]] = (await response.json())["endpoints"]
            return endpoints

    async def expire_alexa_tokens(self, user: str) -> int:
        return int((await self._post("/alexa/expire-tokens", {"user": user}))["expired"])

    async def alexa_stats(self) -> dict[str, dict[str, int]]:
        async with self.session.get(f"{self.base_url}/alexa/stats") as response:
            stats: dict[str, dict[str, int]] = await response.json()
            return stats
