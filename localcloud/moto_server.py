"""The moto server of the local cloud: over TLS, and answering browsers on KVS paths as KVS does.

Browser code written for real KVS (AWS SDK v3 clients, the KVS WebRTC SDK's samples) calls the
control plane and the per-channel HTTPS endpoint from the page's origin, so the browser sends a
CORS preflight first: an OPTIONS request without a SigV4 header. moto's server picks a service
from the signature and would hand that preflight to its default service (S3), which refuses it.
``KvsCors`` answers preflights for the KVS operation paths itself and adds the CORS headers to
the real responses; every other path goes to moto untouched.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

import botocore.session
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
KVS_SERVICES = ("kinesisvideo", "kinesis-video-signaling")
ALLOWED_METHODS = "GET, POST, OPTIONS"
# What the AWS SDK for JavaScript v3 sends on a SigV4-signed JSON call.
ALLOWED_HEADERS = ", ".join(
    [
        "authorization",
        "content-type",
        "x-amz-date",
        "x-amz-security-token",
        "x-amz-content-sha256",
        "x-amz-user-agent",
        "amz-sdk-invocation-id",
        "amz-sdk-request",
    ]
)
EXPOSED_HEADERS = "x-amzn-requestid, x-amzn-errortype, x-amzn-errormessage, date"
MAX_AGE_S = "86400"


@cache
def kvs_paths() -> frozenset[str]:
    """Every request path of the KVS control plane and data plane, from botocore's models."""
    session = botocore.session.get_session()
    paths: set[str] = set()
    for service in KVS_SERVICES:
        model = session.get_service_model(service)
        paths.update(model.operation_model(name).http["requestUri"] for name in model.operation_names)
    return frozenset(paths)


class KvsCors:
    """WSGI middleware: CORS preflights and response headers on the KVS paths."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "") not in kvs_paths() or "HTTP_ORIGIN" not in environ:
            return self._app(environ, start_response)
        if environ["REQUEST_METHOD"] == "OPTIONS":
            start_response(
                "200 OK",
                [
                    *cors_headers(environ["HTTP_ORIGIN"]),
                    ("Access-Control-Allow-Methods", ALLOWED_METHODS),
                    ("Access-Control-Allow-Headers", ALLOWED_HEADERS),
                    ("Access-Control-Max-Age", MAX_AGE_S),
                    ("Content-Length", "0"),
                ],
            )
            return [b""]

        def start_with_cors(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            # moto's Flask apps may already add some CORS headers: never send one twice.
            present = {name.lower() for name, _ in headers}
            extra = [
                (name, value)
                for name, value in cors_headers(environ["HTTP_ORIGIN"])
                if name.lower() not in present
            ]
            return start_response(status, [*headers, *extra], *exc_info)

        return self._app(environ, start_with_cors)


def cors_headers(origin: str) -> list[tuple[str, str]]:
    # Any origin is allowed (echoed, as moto's own responses do): the SigV4 signature, not a
    # cookie, authorizes the call.
    return [
        ("Access-Control-Allow-Origin", origin),
        ("Vary", "Origin"),
        ("Access-Control-Expose-Headers", EXPOSED_HEADERS),
    ]


class TlsMotoServer:
    """moto's server app behind KvsCors, over HTTPS, in a background thread."""

    def __init__(self, host: str, context: ssl.SSLContext) -> None:
        self._host = host
        self._context = context
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        """Listen on a free port; the server's https:// URL."""
        app = KvsCors(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(
            self._host, 0, app, threaded=True, request_handler=MotoRequestHandler, ssl_context=self._context
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto-server", daemon=True)
        self._thread.start()
        return f"https://{self._host}:{self._server.server_port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()
