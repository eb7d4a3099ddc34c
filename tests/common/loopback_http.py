"""A raw HTTP server on loopback for the outbound client's tests: it records every request and
answers with a set status, headers and body, optionally one byte at a time (a drip-fed answer,
status line and headers included, as a flaky or hostile server would send it)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import BinaryIO


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    status: int = 202
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)
    # Pause before each byte of the answer; from the body's first byte only, or from the status line.
    drip_s: float = 0.0
    drip_headers: bool = False


class LoopbackHttp:
    def __init__(self, reply: Reply | None = None) -> None:
        self.reply = reply or Reply()
        self.requests: list[Request] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.requests.append(Request(self.command, self.path, dict(self.headers), body))
                server.write(self.wfile)

            do_GET = do_POST = do_PUT = _answer

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    def write(self, wfile: BinaryIO) -> None:
        reply = self.reply
        head = f"HTTP/1.1 {reply.status} X\r\nContent-Length: {len(reply.body)}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in reply.headers.items()) + "\r\n"
        if not reply.drip_s:
            wfile.write(head.encode() + reply.body)
            return
        if not reply.drip_headers:
            wfile.write(head.encode())
            wfile.flush()
        try:
            for byte in head.encode() + reply.body if reply.drip_headers else reply.body:
                time.sleep(reply.drip_s)
                wfile.write(bytes([byte]))
                wfile.flush()
        except OSError:
            pass  # the client hung up: what a cut at its deadline looks like

    def __enter__(self) -> LoopbackHttp:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
