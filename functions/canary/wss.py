"""A minimal WebSocket client (RFC 6455), enough for a KVS signaling master: text frames out
(masked, as a client must), text, ping and close frames in.

Why our own: the Lambda dependency lock holds no WebSocket client (aiohttp is a test and local
cloud tool only). This is the one place to replace with a pinned library (`websockets`' sync
client) once the lock carries one.
"""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import ssl
import struct
from urllib.parse import urlsplit

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA
MAX_MESSAGE = 1 << 20


class WebSocketError(OSError):
    """The handshake was refused or the connection broke (the message never quotes the URL)."""


class WebSocket:
    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = b""
        self.closed = False

    @classmethod
    def connect(cls, url: str, context: ssl.SSLContext, timeout: float) -> WebSocket:
        """Open `url` (wss://); raises WebSocketError with the HTTP status when refused."""
        parts = urlsplit(url)
        if parts.scheme != "wss" or not parts.hostname:
            raise ValueError("only wss:// URLs")
        port = parts.port or 443
        raw = socket.create_connection((parts.hostname, port), timeout=timeout)
        try:
            sock = context.wrap_socket(raw, server_hostname=parts.hostname)
        except (OSError, ssl.SSLError):
            raw.close()
            raise
        key = base64.b64encode(os.urandom(16)).decode()
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        sock.sendall(
            (
                f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        ws = cls(sock)
        head = ws._read_until(b"\r\n\r\n").decode("latin-1")
        status_line, *header_lines = head.split("\r\n")
        status = status_line.split(" ", 2)[1] if status_line.count(" ") >= 1 else "?"
        headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines if h)}
        accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()  # noqa: S324 (RFC 6455)
        if status != "101" or headers.get("sec-websocket-accept") != accept:
            sock.close()
            raise WebSocketError(f"WebSocket handshake refused: HTTP {status}")
        return ws

    def send_text(self, text: str) -> None:
        self._send(TEXT, text.encode())

    def receive_text(self) -> str | None:
        """The next text message; None when the peer closed. Pings are answered on the way."""
        while True:
            opcode, payload = self._read_frame()
            if opcode == TEXT:
                return payload.decode()
            if opcode == PING:
                self._send(PONG, payload)
            elif opcode == CLOSE:
                self.close()
                return None

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self._send(CLOSE, struct.pack("!H", 1000))
        except OSError:
            pass
        finally:
            self._sock.close()

    def _send(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        length = len(payload)
        if length < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
        elif length < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self._sock.sendall(header + mask + masked)

    def _read_frame(self) -> tuple[int, bytes]:
        opcode, message = 0, b""
        while True:
            first, second = self._read_exact(2)
            length = second & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", self._read_exact(2))
            elif length == 127:
                (length,) = struct.unpack("!Q", self._read_exact(8))
            if len(message) + length > MAX_MESSAGE:
                raise WebSocketError("WebSocket message too large")
            mask = self._read_exact(4) if second & 0x80 else b""
            payload = self._read_exact(length)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            frame_opcode = first & 0x0F
            if frame_opcode >= CLOSE:  # control frames may come between fragments
                if frame_opcode == PING:
                    self._send(PONG, payload)
                    continue
                return frame_opcode, payload
            opcode = opcode or frame_opcode
            message += payload
            if first & 0x80:
                return opcode, message

    def _read_until(self, marker: bytes) -> bytes:
        while marker not in self._buffer:
            self._fill()
        head, _, self._buffer = self._buffer.partition(marker)
        return head

    def _read_exact(self, count: int) -> bytes:
        while len(self._buffer) < count:
            self._fill()
        data, self._buffer = self._buffer[:count], self._buffer[count:]
        return data

    def _fill(self) -> None:
        chunk = self._sock.recv(65536)
        if not chunk:
            raise WebSocketError("WebSocket connection closed")
        if len(self._buffer) + len(chunk) > MAX_MESSAGE + 16:
            raise WebSocketError("WebSocket frame too large")
        self._buffer += chunk
