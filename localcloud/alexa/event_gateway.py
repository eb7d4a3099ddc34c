"""An emulated Alexa event gateway (`POST /v3/events`), strict like the real one, plus what each
user's Alexa now knows about their cameras (`GET /alexa/endpoints?user=...`) and the reports that
told it, in order (`GET /alexa/reports?user=...&after=n`, which the web page follows).

- `Authorization: Bearer <token>` must be a live access token from the emulated LWA, else 401
  `INVALID_ACCESS_TOKEN_EXCEPTION`; the event's `scope` must carry the same token.
- A user who disabled the skill gets 403 `SKILL_DISABLED_EXCEPTION`.
- Every event is checked against the official schema (DeleteReport against its documented shape);
  an invalid one is 400 `INVALID_REQUEST_EXCEPTION`. Accepted events answer 202.
- AddOrUpdateReport adds or replaces endpoints in the user's list; DeleteReport removes them.
Fault switches: `faults.fail(401 | 403 | 429 | 500, count)` and `faults.latency_s`.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections import Counter
from typing import Any

from aiohttp import web

from localcloud.alexa import schema as alexa_schema
from localcloud.alexa.faults import Faults
from localcloud.alexa.lwa import LwaEmulator

PATH = "/v3/events"
FAULT_CODES = {
    400: "INVALID_REQUEST_EXCEPTION",
    401: "INVALID_ACCESS_TOKEN_EXCEPTION",
    403: "SKILL_DISABLED_EXCEPTION",
    429: "THROTTLING_EXCEPTION",
    500: "INTERNAL_SERVICE_EXCEPTION",
}


class EventGatewayEmulator:
    def __init__(self, lwa: LwaEmulator) -> None:
        self._lwa = lwa
        self._lock = threading.Lock()
        self._endpoints: dict[str, dict[str, dict[str, Any]]] = {}
        self.disabled: set[str] = set()
        self.accepted: list[tuple[str, dict[str, Any]]] = []
        self.faults = Faults()
        self.calls: Counter[int] = Counter()

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post(PATH, self._event),
            web.get("/alexa/endpoints", self._list),
            web.get("/alexa/reports", self._reports),
        ]

    def endpoints(self, user: str) -> dict[str, dict[str, Any]]:
        with self._lock:
            return dict(self._endpoints.get(user, {}))

    async def _event(self, request: web.Request) -> web.Response:
        if self.faults.latency_s:
            await asyncio.sleep(self.faults.latency_s)
        status = self._answer(request.headers.get("Authorization", ""), await request.read())
        with self._lock:
            self.calls[status[0]] += 1
        code, body = status
        return web.json_response(body, status=code)

    def _answer(self, authorization: str, raw: bytes) -> tuple[int, dict[str, Any]]:  # noqa: PLR0911
        fault = self.faults.take()
        if fault is not None:
            return _error(
                fault.status, fault.code or FAULT_CODES.get(fault.status, "INTERNAL_SERVICE_EXCEPTION")
            )
        token = authorization.removeprefix("Bearer ") if authorization.startswith("Bearer ") else ""
        user = self._lwa.user_of(token) if token else None
        if user is None:
            return _error(401, "INVALID_ACCESS_TOKEN_EXCEPTION")
        if user in self.disabled:
            return _error(403, "SKILL_DISABLED_EXCEPTION")
        try:
            message = json.loads(raw)
        except ValueError:
            return _error(400, "INVALID_REQUEST_EXCEPTION")
        problems = alexa_schema.errors(message)
        if problems:
            return _error(400, "INVALID_REQUEST_EXCEPTION", problems[0])
        # Discovery reports carry the scope in the payload, endpoint events in the endpoint.
        event = message["event"]
        scope = event["payload"].get("scope") or event.get("endpoint", {}).get("scope", {})
        if scope.get("token") != token:
            return _error(400, "INVALID_REQUEST_EXCEPTION", "scope token is not the bearer token")
        self._apply(user, message)
        return 202, {}

    def _apply(self, user: str, message: dict[str, Any]) -> None:
        name = message["event"]["header"]["name"]
        endpoints = message["event"]["payload"].get("endpoints", [])
        with self._lock:
            known = self._endpoints.setdefault(user, {})
            for endpoint in endpoints:
                if name == "AddOrUpdateReport":
                    known[endpoint["endpointId"]] = endpoint
                elif name == "DeleteReport":
                    known.pop(endpoint["endpointId"], None)
            self.accepted.append((user, message))

    async def _list(self, request: web.Request) -> web.Response:
        user = request.query.get("user", "")
        endpoints = sorted(self.endpoints(user).values(), key=lambda e: str(e.get("friendlyName")))
        return web.json_response({"endpoints": endpoints})

    async def _reports(self, request: web.Request) -> web.Response:
        """The user's accepted reports after position `after` (the page applies them in order),
        without the scope token."""
        user = request.query.get("user", "")
        try:
            after = max(0, int(request.query.get("after", "0")))
        except ValueError:
            raise web.HTTPBadRequest(text="after must be an integer") from None
        with self._lock:
            accepted = list(enumerate(self.accepted))[after:]
        reports = [{"position": i + 1, **_public(m)} for i, (owner, m) in accepted if owner == user]
        return web.json_response({"reports": reports, "next": after + len(accepted)})


def _public(message: dict[str, Any]) -> dict[str, Any]:
    """An accepted event as the page reads it: discovery reports with their endpoints, endpoint
    events (ChangeReport, DoorbellPress) with the endpointId and the payload; no token."""
    event = message["event"]
    if "endpoint" not in event:
        return {"name": event["header"]["name"], "endpoints": event["payload"]["endpoints"]}
    return {
        "name": event["header"]["name"],
        "endpointId": event["endpoint"]["endpointId"],
        "payload": event["payload"],
    }


def _error(status: int, code: str, description: str | None = None) -> tuple[int, dict[str, Any]]:
    header = {"namespace": "System", "name": "Exception", "messageId": str(uuid.uuid4())}
    return status, {"header": header, "payload": {"code": code, "description": description or code}}
