"""The emulated KVS WSS signaling endpoint, where cameras connect as MASTER.

Speaks the KVS master protocol: the camera connects to ``{wss}/m-xxxxxxxx?X-Amz-ChannelARN=...``
(SigV4-presigned; the signature is not checked locally, but it must be there, and credentials
of a local STS session must be of the channel's account and, under a session policy, allowed on
the channel: ``master_access.py``), receives
``SDP_OFFER`` messages and sends ``SDP_ANSWER`` actions, payloads base64 of JSON. Each connection
registers with the KVS emulation as the channel's master, so ``SendAlexaOfferToMaster`` from the
skill reaches it. As on KVS, the newest master of a channel wins: the previous connection gets
``GO_AWAY`` and is closed. A failed message that carried a ``correlationId`` gets a
``STATUS_RESPONSE``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from typing import Any

from aiohttp import WSMsgType, web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from functions.common.observability import logger
from localcloud import kvs
from localcloud.aws import master_access

PATH = "/signaling"


def encode_payload(message: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps(message).encode()).decode()


def decode_payload(payload: str) -> dict[str, Any]:
    decoded = json.loads(base64.b64decode(payload, validate=True))
    if not isinstance(decoded, dict):
        raise ValueError("the message payload is not a JSON object")
    return decoded


class MasterAction(BaseModel):
    """A message from the master (KVS: action, recipientClientId, messagePayload)."""

    model_config = ConfigDict(populate_by_name=True)

    action: str
    recipient_client_id: str | None = Field(default=None, alias="recipientClientId")
    message_payload: str = Field(default="", alias="messagePayload")
    correlation_id: str | None = Field(default=None, alias="correlationId")


class MasterConnection:
    """One camera's WebSocket: forwards offers to it and resolves them with its answers."""

    def __init__(self, ws: web.WebSocketResponse, channel_arn: str) -> None:
        self.ws = ws
        self.channel_arn = channel_arn
        self._pending: dict[str, asyncio.Future[str]] = {}

    async def relay(self, offer_payload: str, sender_client_id: str) -> str:
        """Send ``offer_payload`` as the SDP_OFFER's messagePayload exactly as given; return the
        messagePayload of the SDP_ANSWER addressed to the sender exactly as the master sent it."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._pending[sender_client_id] = future
        try:
            await self.ws.send_json(
                {
                    "messageType": "SDP_OFFER",
                    "senderClientId": sender_client_id,
                    "messagePayload": offer_payload,
                }
            )
            return await future
        finally:
            self._pending.pop(sender_client_id, None)

    async def receive(self, raw: str) -> None:
        try:
            action = MasterAction.model_validate_json(raw)
        except ValidationError:
            logger.warning("malformed master message", extra={"channel_arn": self.channel_arn})
            return
        try:
            self._apply(action)
        except (ValueError, binascii.Error) as exc:
            logger.warning(
                "rejected master message",
                extra={"channel_arn": self.channel_arn, "action": action.action, "reason": str(exc)},
            )
            if action.correlation_id:
                await self.ws.send_json(status_response(action.correlation_id, str(exc)))

    def _apply(self, action: MasterAction) -> None:
        if action.action == "ICE_CANDIDATE":
            return  # Alexa does not trickle; a master's late candidates have nowhere to go.
        if action.action != "SDP_ANSWER":
            raise ValueError(f"unsupported action {action.action!r}")
        future = self._pending.get(action.recipient_client_id or "")
        if future is None or future.done():
            raise ValueError("no pending offer from that recipientClientId")
        answer = decode_payload(action.message_payload)
        if answer.get("type") != "answer" or not isinstance(answer.get("sdp"), str):
            raise ValueError('the payload must be {"type": "answer", "sdp": ...}')
        logger.info(
            "answer from master",
            extra={"channel_arn": self.channel_arn, "sdp_bytes": len(answer["sdp"])},
        )
        # Checked above, forwarded as sent: standard masters' JSON is not re-serialized here.
        future.set_result(action.message_payload)

    def fail_pending(self) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(ConnectionError("the master disconnected"))

    async def go_away(self) -> None:
        """Tell the camera to reconnect elsewhere (KVS sends it before closing a connection)."""
        if not self.ws.closed:
            await self.ws.send_json({"messageType": "GO_AWAY", "messagePayload": ""})
            await self.ws.close()


def status_response(correlation_id: str, description: str) -> dict[str, Any]:
    return {
        "messageType": "STATUS_RESPONSE",
        "messagePayload": "",
        "statusResponse": {
            "correlationId": correlation_id,
            "errorType": "InvalidArgumentException",
            "statusCode": "400",
            "description": description,
        },
    }


class SignalingServer:
    """aiohttp routes of the WSS endpoint; `close()` sends GO_AWAY to every connected master."""

    def __init__(self) -> None:
        self._masters: dict[str, MasterConnection] = {}

    def routes(self) -> list[web.RouteDef]:
        return [web.get(PATH + "/{endpoint}", self._connect)]

    def connected(self, channel_arn: str) -> bool:
        return channel_arn in self._masters

    async def _connect(self, request: web.Request) -> web.WebSocketResponse:
        channel_arn = request.query.get("X-Amz-ChannelARN")
        if not channel_arn or "X-Amz-Signature" not in request.query:
            raise web.HTTPForbidden(text="X-Amz-ChannelARN and a SigV4 signature are required")
        try:
            master_access.check(request.query, channel_arn)
        except master_access.MasterRefused as exc:
            raise web.HTTPForbidden(text=str(exc)) from None
        ws = web.WebSocketResponse(heartbeat=30)
        connection = MasterConnection(ws, channel_arn)
        try:
            handle = kvs.register_master(
                channel_arn, kvs.AsyncPayloadMaster(asyncio.get_running_loop(), connection.relay)
            )
        except kvs.KvsError as exc:
            raise web.HTTPNotFound(text=exc.message) from None
        previous = self._masters.get(channel_arn)
        self._masters[channel_arn] = connection
        if previous is not None:
            await previous.go_away()
        await ws.prepare(request)
        logger.info("master connected", extra={"channel_arn": channel_arn})
        try:
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    await connection.receive(message.data)
        finally:
            connection.fail_pending()
            handle.detach()
            if self._masters.get(channel_arn) is connection:
                del self._masters[channel_arn]
            logger.info("master disconnected", extra={"channel_arn": channel_arn})
        return ws

    async def close(self) -> None:
        await asyncio.gather(*(c.go_away() for c in list(self._masters.values())))
