"""HTTP client of a running local cloud: what cameras, the simulated Alexa and the demo call."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp

from localcloud.aws.device_auth import ROLE_ALIAS, sign
from localcloud.tls import client_context


def cloud_session(ca_file: Path) -> aiohttp.ClientSession:
    """An HTTP session that trusts the local cloud's CA (and verifies its certificates)."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=client_context(ca_file)))


class CloudError(RuntimeError):
    """The local cloud answered an HTTP error."""


class CloudClient:
    def __init__(self, base_url: str, session: aiohttp.ClientSession, region: str = "us-east-1") -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session
        self.region = region

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
        """Put a device event on its queue (lifecycle or presence); its EventBridge id."""
        return str((await self._post("/events", {"detail-type": detail_type, "detail": detail}))["id"])

    async def drain_lifecycle(self) -> dict[str, Any]:
        """Run the lifecycle function over everything queued: {"processed": n, "failed": [...]}."""
        result: dict[str, Any] = await self._post("/invoke/lifecycle")
        return result

    async def sweep_presence(self) -> Any:
        return await self._post("/invoke/presence-sweep")

    async def alexa_reports(self, user: str, after: int = 0) -> dict[str, Any]:
        """The events `user`'s Alexa accepted after position `after`: {"reports": [...], "next": n}."""
        params = {"user": user, "after": str(after)}
        async with self.session.get(f"{self.base_url}/alexa/reports", params=params) as response:
            answer: dict[str, Any] = await response.json()
            return answer

    async def rotate(self) -> Any:
        return await self._post("/invoke/rotation")

    async def device_credentials(self, device_id: str) -> dict[str, str]:
        """The camera role's temporary credentials for a device, as IoT's provider hands them out."""
        async with self.session.get(
            f"{self.base_url}/role-aliases/{ROLE_ALIAS}/credentials",
            headers={"x-amzn-iot-thingname": device_id},
        ) as response:
            if response.status != 200:
                raise CloudError(f"credentials for {device_id}: HTTP {response.status}")
            credentials: dict[str, str] = (await response.json())["credentials"]
            return credentials

    async def device_config(self, device_id: str) -> tuple[int, dict[str, Any]]:
        """`GET /config` SigV4-signed with the device's role session: (HTTP status, body)."""
        url = f"{self.base_url}/config"
        headers = sign("GET", url, await self.device_credentials(device_id), self.region)
        async with self.session.get(url, headers=headers) as response:
            return response.status, await response.json()

    async def media_upload(self, device_id: str, data: bytes, content_type: str = "image/jpeg") -> str:
        """Upload one image as the camera does: `POST /media` SigV4-signed with its role session,
        then the presigned POST to S3; the mediaId."""
        url = f"{self.base_url}/media"
        body = json.dumps({"contentType": content_type}).encode()
        headers = sign("POST", url, await self.device_credentials(device_id), self.region, body)
        async with self.session.post(url, data=body, headers=headers) as response:
            if response.status != 200:
                raise CloudError(f"POST /media for {device_id}: HTTP {response.status}")
            grant = await response.json()
        form = aiohttp.FormData(grant["upload"]["fields"])
        form.add_field("file", data, content_type=content_type, filename="image")
        async with self.session.post(grant["upload"]["url"], data=form) as response:
            if response.status >= 300:
                raise CloudError(f"media upload for {device_id}: HTTP {response.status}")
        return str(grant["mediaId"])

    async def cells(self) -> list[dict[str, Any]]:
        """Each cell: id, account, region, capacity, devices placed and channels held."""
        async with self.session.get(f"{self.base_url}/cells") as response:
            if response.status != 200:
                raise CloudError(f"/cells: HTTP {response.status}")
            cells: list[dict[str, Any]] = (await response.json())["cells"]
            return cells

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
