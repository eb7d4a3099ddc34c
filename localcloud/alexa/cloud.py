"""Alexa's side of the outbound path on the local cloud: the emulated LWA token endpoint, the
emulated event gateway, and the controls that Alexa itself would own.

- ``POST /alexa/link`` ``{"user": ...}``: the grant code Alexa gets when the user enables the skill
  and links the account (the caller then sends AcceptGrant with it);
- ``POST /alexa/faults`` ``{"target": "gateway"|"lwa", "status": 429, "count": 1}`` or
  ``{"target": ..., "latencyMs": 500}`` or ``{"target": ..., "clear": true}``;
- ``POST /alexa/expire-tokens`` ``{"user": ...}``: the user's access tokens expire now;
- ``POST /alexa/disable`` ``{"user": ...}``: the user disables the skill (403 from then on);
- ``GET /alexa/stats``: LWA calls by grant type and gateway answers by status, so far.
"""

from __future__ import annotations

from typing import Annotated, Literal, TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from functions.common.alexa.lwa import ClientCredentials
from localcloud.alexa import schema as alexa_schema
from localcloud.alexa.event_gateway import EventGatewayEmulator
from localcloud.alexa.faults import Faults
from localcloud.alexa.lwa import LwaEmulator

User = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")]


class UserRequest(BaseModel):
    user: User


class FaultRequest(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    target: Literal["gateway", "lwa"]
    status: Literal[401, 403, 429, 500] | None = None
    count: Annotated[int | None, Field(ge=1, le=1000)] = 1
    latency_ms: Annotated[int | None, Field(alias="latencyMs", ge=0, le=30_000)] = None
    code: Annotated[str | None, Field(pattern=r"^[A-Za-z_]{1,64}$")] = None
    clear: bool = False


class AlexaCloud:
    def __init__(self, credentials: ClientCredentials) -> None:
        self.lwa = LwaEmulator(credentials)
        self.gateway = EventGatewayEmulator(self.lwa)
        self.schema_checked = alexa_schema.available()

    def routes(self) -> list[web.RouteDef]:
        return [
            *self.lwa.routes(),
            *self.gateway.routes(),
            web.post("/alexa/link", self._link),
            web.post("/alexa/faults", self._faults),
            web.post("/alexa/expire-tokens", self._expire),
            web.post("/alexa/disable", self._disable),
            web.get("/alexa/stats", self._stats),
        ]

    def faults(self, target: str) -> Faults:
        return self.gateway.faults if target == "gateway" else self.lwa.faults

    async def _link(self, request: web.Request) -> web.Response:
        body = await _parse(request, UserRequest)
        return web.json_response({"code": self.lwa.issue_code(body.user)})

    async def _faults(self, request: web.Request) -> web.Response:
        body = await _parse(request, FaultRequest)
        faults = self.faults(body.target)
        if body.clear:
            faults.clear()
        if body.latency_ms is not None:
            faults.latency_s = body.latency_ms / 1000
        if body.status is not None:
            faults.fail(body.status, body.count, body.code)
        return web.json_response({"ok": True})

    async def _expire(self, request: web.Request) -> web.Response:
        body = await _parse(request, UserRequest)
        return web.json_response({"expired": self.lwa.expire_access_tokens(body.user)})

    async def _stats(self, request: web.Request) -> web.Response:
        """Calls so far: LWA by grant type, the gateway by HTTP status."""
        return web.json_response(
            {
                "lwa": dict(self.lwa.calls),
                "gateway": {str(k): v for k, v in self.gateway.calls.items()},
            }
        )

    async def _disable(self, request: web.Request) -> web.Response:
        body = await _parse(request, UserRequest)
        self.gateway.disabled.add(body.user)
        return web.json_response({"ok": True})


M = TypeVar("M", bound=BaseModel)


async def _parse(request: web.Request, model: type[M]) -> M:
    try:
        return model.model_validate(await request.json())
    except (ValidationError, ValueError):
        raise web.HTTPBadRequest(text="invalid request") from None
