"""The moto server of the local cloud: over TLS, and answering browsers on KVS paths as KVS does.

Browser code written for real KVS (AWS SDK v3 clients, the KVS WebRTC SDK's samples) calls the
control plane and the per-channel HTTPS endpoint from the page's origin, so the browser sends a
CORS preflight first: an OPTIONS request without a SigV4 header. moto's server picks a service
from the signature and would hand that preflight to its default service (S3), which refuses it.
``KvsCors`` answers preflights for the KVS operation paths itself and adds the CORS headers to
the real responses. Every other path answers browsers as its AWS service does, not as moto's
blanket CORS (any origin, everywhere) would: S3 by the bucket's CORS rules, which moto applies to
preflights and object reads but not to a browser's POST upload (``S3PostCors`` fills that in).
"""

from __future__ import annotations

import io
import re
import ssl
import threading
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

import botocore.session
from moto.moto_server import werkzeug_app
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
# A path-style bucket URL, where a presigned POST uploads (KVS paths are camelCase: never one).
BUCKET_PATH = re.compile(r"/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


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


class S3PostCors:
    """WSGI middleware: a browser's POST to a bucket (a presigned POST upload) gets the CORS
    headers the bucket's rules give, as S3 answers it; moto's own evaluation of the rules (its
    answer to the matching preflight) decides."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        upload = BUCKET_PATH.fullmatch(environ.get("PATH_INFO", "")) and environ["REQUEST_METHOD"] == "POST"
        if not upload or "HTTP_ORIGIN" not in environ:
            return self._app(environ, start_response)
        allowed = self._preflight(environ)

        def start_with_cors(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            return start_response(status, [*headers, *allowed], *exc_info)

        return self._app(environ, start_with_cors)

    def _preflight(self, environ: dict[str, Any]) -> list[tuple[str, str]]:
        """The CORS headers of moto's answer to the preflight of this POST (none if refused)."""
        preflight = {
            **{k: v for k, v in environ.items() if k not in ("CONTENT_TYPE", "CONTENT_LENGTH")},
            "REQUEST_METHOD": "OPTIONS",
            "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST",
            "wsgi.input": io.BytesIO(),
        }
        answer: list[tuple[str, str]] = []

        def start_response(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> None:
            answer.extend(headers)

        b"".join(self._app(preflight, start_response))
        cors = [
            (k, v)
            for k, v in answer
            if k.lower() in ("access-control-allow-origin", "access-control-expose-headers")
        ]
        return [*cors, ("Vary", "Origin")] if cors else []


def cors_headers(origin: str) -> list[tuple[str, str]]:
    # Any origin is allowed (echoed, as moto's own responses do): the SigV4 signature, not a
    # cookie, authorizes the call.
    return [
        ("Access-Control-Allow-Origin", origin),
        ("Vary", "Origin"),
        ("Access-Control-Expose-Headers", EXPOSED_HEADERS),
    ]


class KeepAliveRequestHandler(MotoRequestHandler):
    """moto's request handler, answering on persistent HTTP/1.1 connections as AWS does.

    werkzeug's server closes every connection (`Connection: close`), so each AWS call of a client
    paid a new TCP connection, TLS handshake and server thread. Here the request body is read whole
    before the app runs and the response is sent with its length, so the next request on the
    connection starts exactly at its request line; the connection closes only when the client
    asks for it, or after `timeout` seconds idle.
    """

    protocol_version = "HTTP/1.1"
    # TCP_NODELAY, as AWS's endpoints answer: headers and body go out in two writes, and with
    # Nagle's algorithm the body waited for the client's delayed ACK, 40 ms on every call.
    disable_nagle_algorithm = True
    timeout = 120  # seconds an idle connection (and its thread) is kept

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").strip().lower() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        environ = self.make_environ()
        environ["wsgi.input"] = io.BytesIO(self._request_body(environ))
        started: list[Any] = []
        body: list[bytes] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = [status, headers]
            return body.append

        try:
            answer = self.server.app(environ, start_response)
            try:
                body.extend(answer)
            finally:
                if hasattr(answer, "close"):
                    answer.close()
        except Exception:
            # No request text in the log (it may carry a token): the error class only.
            self.server.log("error", "moto app error on %s %s", self.command, environ.get("PATH_INFO", ""))
            started[:], body[:] = ["500 Internal Server Error", [("Content-Type", "text/plain")]], [b""]
        self._respond(environ, started[0], started[1], b"".join(body))

    def log_error(self, format: str, *args: Any) -> None:
        # A kept-alive connection left idle for `timeout` is closed as routine, not as an error.
        if not format.startswith("Request timed out"):
            super().log_error(format, *args)

    def _request_body(self, environ: dict[str, Any]) -> bytes:
        """The whole body, so that nothing of this request is left on the connection."""
        if environ.get("wsgi.input_terminated"):  # chunked: werkzeug's decoder reads to its end
            return bytes(environ["wsgi.input"].read())
        length = int(environ.get("CONTENT_LENGTH") or 0)
        return bytes(self.rfile.read(length)) if length > 0 else b""

    def _respond(
        self, environ: dict[str, Any], status: str, headers: list[tuple[str, str]], data: bytes
    ) -> None:
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason)
        # No body on a HEAD answer (which keeps the length the app gave), a 1xx, 204 or 304.
        head = environ["REQUEST_METHOD"] == "HEAD" or int(code) < 200 or int(code) in (204, 304)
        for name, value in headers:
            lowered = name.lower()
            if lowered in ("connection", "transfer-encoding") or (lowered == "content-length" and not head):
                continue
            self.send_header(name, value)
        if not head:
            self.send_header("Content-Length", str(len(data)))
        if self.close_connection:  # the client said `Connection: close`, or spoke HTTP/1.0
            self.send_header("Connection", "close")
        self.end_headers()
        if not head:
            self.wfile.write(data)
        self.wfile.flush()


class TlsMotoServer:
    """moto's server app behind KvsCors and S3PostCors, over HTTPS, in a background thread."""

    def __init__(self, host: str, context: ssl.SSLContext) -> None:
        self._host = host
        self._context = context
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        """Listen on a free port; the server's https:// URL."""
        # No blanket CORS: each service answers browsers as on AWS (see the module's docstring).
        # moto reads the flag each time it makes a service's app, all after this.
        werkzeug_app.DISABLE_GLOBAL_CORS = True  # type: ignore[attr-defined]
        app = KvsCors(S3PostCors(DomainDispatcherApplication(create_backend_app)))
        self._server = make_server(
            self._host,
            0,
            app,
            threaded=True,
            request_handler=KeepAliveRequestHandler,
            ssl_context=self._context,
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
