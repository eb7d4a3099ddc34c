"""A simulated camera: registers, fetches its configuration, connects as MASTER, answers offers.

It publishes DeviceConnected when it joins its channel and DeviceDisconnected when it leaves, as
a camera's firmware (or IoT Core's lifecycle events) would; a doorbell also publishes
DoorbellPressed when its button is pressed. It detects people and packages and takes snapshots:
each is a still of its video uploaded through `POST /media`, then ObjectDetected or SnapshotTaken
(on demand, or on a schedule with `watch`).

It behaves like a KVS WebRTC master built on the C SDK: it connects to the WSS endpoint from its
configuration with a SigV4-presigned URL, answers each SDP_OFFER with an SDP_ANSWER addressed to
the sender, and gathers all ICE candidates before answering (Alexa does not trickle). Each
session streams a test pattern with a clock, and a tone.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from functions.canary.camera_config import CameraConfig
from functions.common.kvs.master_messages import ViewerMessage
from functions.common.observability import logger
from localcloud.aws.client import CloudClient, CloudError
from localcloud.aws.signaling_server import decode_payload, encode_payload
from localcloud.cameras.media import TestPatternTrack, ToneTrack, jpeg_still

PRESIGN_EXPIRES_S = 300
# What the simulated cameras can detect (Alexa's class names).
DETECTION_CLASSES = ["person", "package"]


def _timestamp() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# What tests that presign by hand use: no STS session owns it (see master_access).
PLACEHOLDER = Credentials("localcloud", "localcloud")


def presign(wss_endpoint: str, channel_arn: str, region: str, credentials: Credentials = PLACEHOLDER) -> str:
    """The master's connect URL, SigV4 query-signed for kinesisvideo."""
    request = AWSRequest(method="GET", url=f"{wss_endpoint}?{urlencode({'X-Amz-ChannelARN': channel_arn})}")
    SigV4QueryAuth(credentials, "kinesisvideo", region, PRESIGN_EXPIRES_S).add_auth(request)
    return str(request.url)


class SimulatedCamera:
    def __init__(
        self,
        client: CloudClient,
        device_id: str,
        owner_id: str,
        friendly_name: str,
        *,
        doorbell: bool = False,
    ) -> None:
        self.client = client
        self.doorbell = doorbell
        self.device_id = device_id
        self.owner_id = owner_id
        self.friendly_name = friendly_name
        self.config: CameraConfig | None = None
        self.offers_answered = 0
        self.went_away = asyncio.Event()
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._sessions: set[RTCPeerConnection] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._watching: asyncio.Task[None] | None = None

    def registration(self) -> dict[str, Any]:
        return {
            "deviceId": self.device_id,
            "ownerId": self.owner_id,
            "friendlyName": self.friendly_name,
            "manufacturerName": "Localcloud",
            "model": "SIM-1",
            "description": "Simulated camera (test pattern and tone)",
            "fullDuplexAudio": False,
            "doorbell": self.doorbell,
            "objectDetectionClasses": DETECTION_CLASSES,
            "snapshots": True,
        }

    async def register(self) -> None:
        """Publish DeviceRegistered and let the lifecycle function process it."""
        await self.client.publish("DeviceRegistered", self.registration())
        result = await self.client.drain_lifecycle()
        if result["failed"]:
            raise CloudError(f"lifecycle failed records: {result['failed']}")

    async def deregister(self) -> None:
        await self.client.publish(
            "DeviceDeregistered", {"deviceId": self.device_id, "ownerId": self.owner_id}
        )
        await self.client.drain_lifecycle()

    async def bring_up(self) -> None:
        """What a new camera does: register, fetch its configuration, connect as MASTER."""
        await self.register()
        await self.fetch_config()
        await self.connect()

    async def fetch_config(self) -> CameraConfig:
        status, body = await self.client.device_config(self.device_id)
        if status != 200:
            raise CloudError(f"device config for {self.device_id}: HTTP {status} {body}")
        self.config = CameraConfig.model_validate(body)
        return self.config

    @property
    def connected(self) -> bool:
        return self._ws is not None and not self._ws.closed

    async def connect(self) -> None:
        """Connect to the channel as MASTER (fetching the configuration first if needed)."""
        config = self.config or await self.fetch_config()
        # Signed with the channel's own credentials, in its cell's account and region.
        channel = config.credentials
        credentials = Credentials(channel.access_key_id, channel.secret_access_key, channel.session_token)
        url = presign(config.endpoints.wss, config.channel_arn, channel.region, credentials)
        self.went_away.clear()
        self._ws = await self.client.session.ws_connect(url, heartbeat=30)
        self._reader = asyncio.create_task(self._serve(self._ws))
        await self.client.publish("DeviceConnected", {"deviceId": self.device_id})

    async def disconnect(self, reason: str = "shutdown") -> None:
        """Drop the signaling connection (sessions already streaming keep going)."""
        was_connected = self._ws is not None
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await self._reader
        self._ws = self._reader = None
        if was_connected:
            await self.client.publish("DeviceDisconnected", {"deviceId": self.device_id, "reason": reason})

    async def ring(self) -> str:
        """Someone presses the doorbell's button: DoorbellPressed; its EventBridge id."""
        return await self.client.publish("DoorbellPressed", {"deviceId": self.device_id})

    async def snapshot(self) -> str:
        """A still of the video uploaded, then SnapshotTaken; its mediaId."""
        media_id = await self.client.media_upload(self.device_id, jpeg_still(time.time(), self.device_id))
        detail = {"deviceId": self.device_id, "mediaId": media_id, "takenAt": _timestamp()}
        await self.client.publish("SnapshotTaken", detail)
        return media_id

    async def detect(self, object_class: str = "person") -> str:
        """The camera sees `object_class`: its frame uploaded, then ObjectDetected; the eventId."""
        media_id = await self.client.media_upload(self.device_id, jpeg_still(time.time(), self.device_id))
        event_id = uuid.uuid4().hex
        detail = {
            "deviceId": self.device_id,
            "eventId": event_id,
            "objectClass": object_class,
            "detectedAt": _timestamp(),
            "mediaId": media_id,
        }
        await self.client.publish("ObjectDetected", detail)
        return event_id

    def watch(self, snapshot_every_s: float, detect_every_s: float) -> None:
        """Take a snapshot and detect a person on a schedule (until `close`)."""
        self._watching = asyncio.create_task(self._watch(snapshot_every_s, detect_every_s))

    async def _watch(self, snapshot_every_s: float, detect_every_s: float) -> None:
        next_detection = time.monotonic() + detect_every_s
        while True:
            try:
                await self.snapshot()
                if time.monotonic() >= next_detection:
                    next_detection += detect_every_s
                    await self.detect("person")
            except (CloudError, aiohttp.ClientError) as exc:
                logger.warning("camera upload failed", extra={"device": self.device_id, "error": str(exc)})
            await asyncio.sleep(snapshot_every_s)

    async def close(self) -> None:
        if self._watching is not None:
            self._watching.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watching
        await self.disconnect()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*(pc.close() for pc in list(self._sessions)))
        self._sessions.clear()

    async def _serve(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for message in ws:
            if message.type is not aiohttp.WSMsgType.TEXT:
                continue
            incoming = ViewerMessage.model_validate_json(message.data)
            if incoming.message_type == "SDP_OFFER" and incoming.sender_client_id:
                task = asyncio.create_task(self._answer(ws, incoming))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            elif incoming.message_type == "GO_AWAY":
                self.went_away.set()
                await ws.close()
            else:
                logger.info(
                    "signaling message", extra={"type": incoming.message_type, "device": self.device_id}
                )

    async def _answer(self, ws: aiohttp.ClientWebSocketResponse, incoming: ViewerMessage) -> None:
        offer = decode_payload(incoming.message_payload)
        # Host candidates only: locally there is no STUN, and the TURN hosts KVS hands out are fake.
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self._sessions.add(pc)

        @pc.on("connectionstatechange")
        async def _state() -> None:
            if pc.connectionState in {"failed", "closed"}:
                self._sessions.discard(pc)
                await pc.close()

        pc.addTrack(TestPatternTrack(self.device_id))
        pc.addTrack(ToneTrack())
        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type="offer"))
        # aiortc gathers every candidate inside setLocalDescription: the answer is complete.
        await pc.setLocalDescription(await pc.createAnswer())
        answer = {"type": "answer", "sdp": pc.localDescription.sdp}
        with contextlib.suppress(ConnectionError):
            await ws.send_str(
                json.dumps(
                    {
                        "action": "SDP_ANSWER",
                        "recipientClientId": incoming.sender_client_id,
                        "messagePayload": encode_payload(answer),
                    }
                )
            )
            self.offers_answered += 1
