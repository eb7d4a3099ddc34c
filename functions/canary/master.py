"""The canary camera's signaling connection as MASTER: it answers each offer KVS forwards with
an answer of its own making, and remembers what it answered so the run can compare."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import threading
from collections.abc import Callable

from pydantic import ValidationError
from websockets.exceptions import InvalidStatus, WebSocketException
from websockets.sync.client import ClientConnection, connect

from functions.canary.sdp import minimal_answer
from functions.canary.steps import Step, StepFailed
from functions.canary.transport import ssl_context
from functions.common.kvs.master_messages import ViewerMessage

# The library's debug log quotes the handshake's request line: the presigned URL's credentials.
_quiet = logging.getLogger("functions.canary.master.websocket")
_quiet.setLevel(logging.WARNING)

# What the master does with an offer's SDP: the SDP to answer with, or None to stay silent.
Answerer = Callable[[str], str | None]


def _encode(message: dict[str, str]) -> str:
    return base64.b64encode(json.dumps(message).encode()).decode()


def _decode_offer(payload: str) -> str | None:
    try:
        message = json.loads(base64.b64decode(payload, validate=True))
    except (binascii.Error, ValueError):
        return None
    if (
        not isinstance(message, dict)
        or message.get("type") != "offer"
        or not isinstance(message.get("sdp"), str)
    ):
        return None
    return str(message["sdp"])


class CanaryMaster:
    def __init__(self, ws: ClientConnection, answerer: Answerer) -> None:
        self._ws = ws
        self._answerer = answerer
        self.offer_received = threading.Event()
        self.answers: list[str] = []
        self._reader = threading.Thread(target=self._serve, name="canary-master", daemon=True)
        self._reader.start()

    @classmethod
    def connect(cls, url: str, timeout: float, answerer: Answerer = minimal_answer) -> CanaryMaster:
        """StepFailed(MASTER_CONNECT) when the signaling endpoint refuses the connection."""
        try:
            # No proxy (Lambda has none; a developer's would see the presigned URL), no
            # compression (KVS negotiates none); pings are answered by the library.
            ws = connect(
                url,
                ssl=ssl_context(),
                open_timeout=timeout,
                close_timeout=2,
                proxy=None,
                compression=None,
                legacy=True,
                logger=_quiet,
            )
        except InvalidStatus as exc:
            raise StepFailed(
                Step.MASTER_CONNECT, f"WebSocket handshake refused: HTTP {exc.response.status_code}"
            ) from None
        except (OSError, WebSocketException) as exc:
            raise StepFailed(Step.MASTER_CONNECT, type(exc).__name__) from None
        return cls(ws, answerer)

    def close(self) -> None:
        self._ws.close()
        self._reader.join(timeout=2)

    def _serve(self) -> None:
        try:
            for text in self._ws:
                if not isinstance(text, str):
                    continue
                try:
                    message = ViewerMessage.model_validate_json(text)
                except ValidationError:
                    continue
                if message.message_type == "SDP_OFFER" and message.sender_client_id:
                    self._answer(message)
                elif message.message_type == "GO_AWAY":
                    break
        except (OSError, WebSocketException):
            pass  # the run sees the missing answer; close() ends this thread the same way
        finally:
            self._ws.close()

    def _answer(self, message: ViewerMessage) -> None:
        offer = _decode_offer(message.message_payload)
        if offer is None:
            return
        self.offer_received.set()
        sdp = self._answerer(offer)
        if sdp is None:
            return
        self.answers.append(sdp)
        self._ws.send(
            json.dumps(
                {
                    "action": "SDP_ANSWER",
                    "recipientClientId": message.sender_client_id,
                    "messagePayload": _encode({"type": "answer", "sdp": sdp}),
                }
            )
        )
