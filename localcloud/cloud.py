"""The local cloud in one process: a moto server with the KVS emulation, plus one aiohttp server.

The aiohttp server carries the WSS signaling endpoint (cameras connect there as MASTER), the
invoke endpoints that run the functions as Lambda would, the device config API and the camera
credentials provider, a local identity provider's token endpoint, the emulated Login with Amazon
token endpoint and Alexa event gateway (with a pump that drains the presence queue into the
presence function, the detections queue into the detections function and the outbound events
queue into the events function), the media endpoint (``GET /media/{ref}``), and the web pages (the
Alexa side, and a camera made of the browser with AWS's
KVS WebRTC SDK). Both servers listen on 127.0.0.1 only, over TLS with certificates of the local CA
(``tls.py``): every endpoint handed out is https:// or wss://, as on AWS.
Functions run in this process against the moto server (``AWS_ENDPOINT_URL``), with the
environment the bootstrap and the identity provider produce, and with three cells in three
accounts (``cells.py``: `CELLS` names them, their roles exist in moto's IAM). State (keys, ports,
pid) lives in ``.localcloud/``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field, ValidationError

from functions.common import aws_clients
from functions.common.cells.credentials import CellCredentials
from localcloud import kvs
from localcloud.alexa.cloud import AlexaCloud
from localcloud.aws import sqs_speed
from localcloud.aws.bootstrap import client_credentials, create_resources
from localcloud.aws.device_auth import ROLE_ALIAS, CredentialsProvider
from localcloud.aws.identity import LocalIssuer
from localcloud.aws.invoke import Invoker
from localcloud.aws.lambda_context import ACCOUNT_ID, REGION
from localcloud.aws.moto_server import TlsMotoServer
from localcloud.aws.signaling_server import PATH as SIGNALING_PATH
from localcloud.aws.signaling_server import SignalingServer
from localcloud.cells import DEFAULT_CAPACITY, cell_status, cells_environment, create_cell_roles, local_cells
from localcloud.tls import LocalCA

HOST = "127.0.0.1"
# The presence, detections and events queues are long-polled into their functions, one poller
# each, as event source mappings do: a message reaches its function as soon as it is queued, not
# at the next tick of a timer. A poll returns at least this often (how long stopping may wait).
LONG_POLL_S = 1
# After a drain whose records failed (made visible again at once), a pause before the retry.
RETRY_PAUSE_S = 0.2
WEB_DIR = Path(__file__).parent / "web"
NODE_MODULES = Path(__file__).parent.parent / "node_modules"
# The browser camera's scripts, served as the npm packages ship them (make installs them).
VENDOR = {
    "kvs-webrtc": NODE_MODULES / "amazon-kinesis-video-streams-webrtc" / "dist",
    "aws4fetch": NODE_MODULES / "aws4fetch" / "dist",
}
DEFAULT_STATE_DIR = Path(".localcloud")
STATE_FILE = "state.json"
# Fake credentials: nothing the local cloud runs may ever reach real AWS.
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "localcloud",
    "AWS_SECRET_ACCESS_KEY": "localcloud",
    "AWS_SESSION_TOKEN": "localcloud",
}


class TokenRequest(BaseModel):
    user: str = Field(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")
    expires_in: int = Field(default=3600, alias="expiresIn", ge=1, le=86_400)


class KvsFault(BaseModel):
    """`POST /kvs/faults`: the next `times` calls of a KVS operation fail with `error` (an AWS code)."""

    operation: str
    error: str
    times: int = Field(default=1, ge=1, le=1000)


class CloudState(BaseModel):
    """What `python -m localcloud rotate` and other commands need to find a running cloud."""

    pid: int
    url: str
    moto_url: str = Field(alias="motoUrl")
    region: str
    ca_file: Path = Field(alias="caFile")


class LocalCloud:
    def __init__(
        self,
        state_dir: Path = DEFAULT_STATE_DIR,
        port: int = 0,
        region: str = REGION,
        cell_capacity: int | None = None,
    ) -> None:
        self.state_dir = state_dir
        self.region = region
        self.cells = local_cells(DEFAULT_CAPACITY if cell_capacity is None else cell_capacity, region)
        # The cell roles' sessions behind GET /cells, assumed once.
        self._cell_credentials = CellCredentials(session_name="localcloud-status")
        self._port = port
        self.signaling = SignalingServer()
        self.issuer = LocalIssuer(state_dir / "identity")
        self.ca = LocalCA(state_dir / "tls")
        self.env: dict[str, str] = {}
        self._moto: TlsMotoServer | None = None
        self._runner: web.AppRunner | None = None
        self.alexa: AlexaCloud | None = None
        self._pumps: list[asyncio.Task[None]] = []
        self._pollers = ThreadPoolExecutor(max_workers=3, thread_name_prefix="queue-poller")
        self.url = ""
        self.moto_url = ""

    async def start(self) -> None:
        # The emulation must be in moto's routes before the server handles its first request.
        kvs.install()
        sqs_speed.install()  # a receive's cost independent of the queue's depth, as on AWS
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per moto request otherwise
        self.ca.ensure()
        server_tls = self.ca.server_context()
        self._moto = TlsMotoServer(HOST, server_tls)
        self.moto_url = self._moto.start()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, self._port))
        self.url = "https://{}:{}".format(*sock.getsockname()[:2])
        kvs.set_endpoint_base(https=self.moto_url, wss=self.url.replace("https", "wss", 1) + SIGNALING_PATH)

        os.environ.pop("AWS_PROFILE", None)
        # boto3 in this process (the functions, the bootstrap) trusts the local CA, and only it.
        os.environ.update(
            FAKE_CREDENTIALS,
            AWS_ENDPOINT_URL=self.moto_url,
            AWS_DEFAULT_REGION=self.region,
            AWS_CA_BUNDLE=str(self.ca.ca_file.resolve()),
            # urllib in the functions (LWA, event gateway) uses the default context, which reads this.
            SSL_CERT_FILE=str(self.ca.ca_file.resolve()),
        )
        aws_clients.clear_cache()
        env = create_resources(self.region, upload_origins=[self.url])  # the camera page's origin
        create_cell_roles(self.cells, env["CHANNEL_NAME_PREFIX"])
        env.update(
            self.issuer.env(),
            **cells_environment(self.cells),
            CAMERA_ACCOUNT_ID=ACCOUNT_ID,
            POWERTOOLS_TRACE_DISABLED="1",
        )
        self.alexa = AlexaCloud(client_credentials(env["ALEXA_CLIENT_SECRET_ID"], self.region))
        env.update(
            LWA_TOKEN_URL=f"{self.url}/auth/o2/token",
            ALEXA_EVENT_GATEWAY_URL=f"{self.url}/v3/events",
            # The media function answers GET /media/{ref} on this server, as the HTTP API would.
            MEDIA_URL_BASE=self.url,
        )
        if not self.alexa.schema_checked:
            logging.getLogger(__name__).warning("official Alexa schema not found: events are not validated")
        os.environ.update(env)
        self.env = env

        app = web.Application()
        app.add_routes(self.signaling.routes())
        invoker = Invoker(env)
        app.add_routes(invoker.routes())
        app.add_routes(CredentialsProvider(self.region).routes())
        app.add_routes(self.alexa.routes())
        app.add_routes(
            [
                web.get("/", self._index),
                web.get("/camera", self._camera),
                web.post("/token", self._token),
                web.get("/info", self._info),
                web.get("/cells", self._cells),
                web.post("/kvs/faults", self._kvs_faults),
                web.static("/static", WEB_DIR),
            ]
        )
        app.add_routes(web.static(f"/vendor/{name}", path) for name, path in VENDOR.items() if path.is_dir())
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, sock, ssl_context=server_tls).start()
        self._pumps = [
            asyncio.create_task(self._pump(drain))
            for drain in (
                invoker.drain_presence_queue,
                invoker.drain_detections_queue,
                invoker.drain_events_queue,
            )
        ]
        self._write_state()

    async def _pump(self, drain: Callable[[int], dict[str, Any]]) -> None:
        """Drain one queue continually (presence, detections or outbound Alexa events), so
        presence changes, presses, detections and reports flow without a call."""
        loop = asyncio.get_running_loop()
        while True:
            drained = await loop.run_in_executor(self._pollers, drain, LONG_POLL_S)
            if drained["failed"]:
                await asyncio.sleep(RETRY_PAUSE_S)

    async def stop(self) -> None:
        for pump in self._pumps:
            pump.cancel()
        for pump in self._pumps:
            with contextlib.suppress(asyncio.CancelledError):
                await pump
        # A poll in flight returns within LONG_POLL_S: wait for it (and the records it took) while
        # moto, the gateway and the function log are still there, so nothing fails half-way.
        await asyncio.to_thread(self._pollers.shutdown, wait=True, cancel_futures=True)
        await self.signaling.close()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._moto is not None:
            self._moto.stop()
        kvs.set_endpoint_base()
        (self.state_dir / STATE_FILE).unlink(missing_ok=True)

    def state(self) -> CloudState:
        return CloudState(
            pid=os.getpid(),
            url=self.url,
            motoUrl=self.moto_url,
            region=self.region,
            caFile=self.ca.ca_file.resolve(),
        )

    def _write_state(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        (self.state_dir / STATE_FILE).write_text(self.state().model_dump_json(by_alias=True))

    async def _index(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(WEB_DIR / "index.html")

    async def _camera(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(WEB_DIR / "camera.html")

    async def _token(self, request: web.Request) -> web.Response:
        """The local identity provider: a signed token for any user name (local use only)."""
        try:
            body = TokenRequest.model_validate(await request.json())
        except ValidationError as exc:
            raise web.HTTPBadRequest(text=str(exc)) from None
        return web.json_response({"token": self.issuer.mint(body.user, expires_in=body.expires_in)})

    async def _kvs_faults(self, request: web.Request) -> web.Response:
        """Inject a KVS fault into the emulation (fault drills of tests and the canary)."""
        try:
            body = KvsFault.model_validate(await request.json())
            kvs.inject(body.operation, error=body.error, times=body.times)
        except (ValidationError, ValueError) as exc:
            raise web.HTTPBadRequest(text=str(exc)) from None
        return web.json_response({"injected": body.model_dump()})

    async def _info(self, request: web.Request) -> web.Response:
        info: dict[str, Any] = {"motoUrl": self.moto_url, "region": self.region, "roleAlias": ROLE_ALIAS}
        return web.json_response(info)

    async def _cells(self, request: web.Request) -> web.Response:
        """The cells with their capacity, placed devices and channels (for the demo and the page)."""
        status = await asyncio.to_thread(
            cell_status,
            self.cells,
            self.env["PLACEMENT_TABLE_NAME"],
            self.env["CHANNEL_NAME_PREFIX"],
            self._cell_credentials,
        )
        return web.json_response({"cells": status})


def read_state(state_dir: Path = DEFAULT_STATE_DIR) -> CloudState:
    """The running cloud's state, or FileNotFoundError when `up` is not running."""
    return CloudState.model_validate(json.loads((state_dir / STATE_FILE).read_text()))
