"""A simulated Alexa: Discovery, then a live view over real WebRTC (aiortc) through the skill.

Alexa's side of ``Alexa.RTCSessionController``: it makes its own offer (receive-only video and
audio, every candidate gathered, since Alexa does not trickle), sends InitiateSessionWithOffer,
applies the answer from AnswerGeneratedForSession, decodes the camera's frames, and reports the
session with SessionConnected and SessionDisconnected. Like an Echo Show, it also follows the
events the skill sends its user: on a DoorbellPress it opens that doorbell's live view by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from typing import Any

import av
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from localcloud.aws.client import CloudClient

RTC = "Alexa.RTCSessionController"


def directive(
    namespace: str,
    name: str,
    token: str,
    payload: dict[str, Any],
    endpoint_id: str | None = None,
) -> dict[str, Any]:
    """A payload version 3 directive; scoped to an endpoint when `endpoint_id` is given."""
    header: dict[str, Any] = {
        "namespace": namespace,
        "name": name,
        "payloadVersion": "3",
        "messageId": str(uuid.uuid4()),
    }
    scope = {"type": "BearerToken", "token": token}
    if endpoint_id is None:
        return {"directive": {"header": header, "payload": {**payload, "scope": scope}}}
    header["correlationToken"] = str(uuid.uuid4())
    endpoint = {"scope": scope, "endpointId": endpoint_id, "cookie": {}}
    return {"directive": {"header": header, "endpoint": endpoint, "payload": payload}}


def accept_grant(token: str, code: str) -> dict[str, Any]:
    """Alexa.Authorization AcceptGrant: the grant code and the user's account-linking token."""
    header = {
        "namespace": "Alexa.Authorization",
        "name": "AcceptGrant",
        "payloadVersion": "3",
        "messageId": str(uuid.uuid4()),
    }
    payload = {
        "grant": {"type": "OAuth2.AuthorizationCode", "code": code},
        "grantee": {"type": "BearerToken", "token": token},
    }
    return {"directive": {"header": header, "payload": payload}}


def discover(token: str) -> dict[str, Any]:
    return directive("Alexa.Discovery", "Discover", token, {})


def initiate_session(token: str, endpoint_id: str, session_id: str, sdp: str) -> dict[str, Any]:
    payload = {"sessionId": session_id, "offer": {"format": "SDP", "value": sdp}}
    return directive(RTC, "InitiateSessionWithOffer", token, payload, endpoint_id)


def session_event(name: str, token: str, endpoint_id: str, session_id: str) -> dict[str, Any]:
    """SessionConnected or SessionDisconnected."""
    return directive(RTC, name, token, {"sessionId": session_id}, endpoint_id)


def report_state(token: str, endpoint_id: str) -> dict[str, Any]:
    return directive("Alexa", "ReportState", token, {}, endpoint_id)


def connectivity(response: dict[str, Any]) -> str | None:
    """The EndpointHealth connectivity of a StateReport, or None when it holds none."""
    for prop in response.get("context", {}).get("properties", []):
        if (prop.get("namespace"), prop.get("name")) == ("Alexa.EndpointHealth", "connectivity"):
            return str(prop["value"]["value"])
    return None


def event_name(response: dict[str, Any]) -> str:
    return str(response.get("event", {}).get("header", {}).get("name", ""))


def error_type(response: dict[str, Any]) -> str | None:
    """The ErrorResponse type, or None when the response is not an error."""
    if event_name(response) != "ErrorResponse":
        return None
    return str(response["event"]["payload"].get("type"))


class LiveView:
    """One session: Alexa's peer connection and the video frames it has decoded."""

    def __init__(self, alexa: SimulatedAlexa, token: str, endpoint_id: str) -> None:
        self._alexa = alexa
        self._token = token
        self.endpoint_id = endpoint_id
        self.session_id = str(uuid.uuid4())
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.frames = 0
        self.frame_size: tuple[int, int] | None = None
        self.response: dict[str, Any] = {}
        self._enough = asyncio.Event()
        self._wanted = 1
        self._readers: list[asyncio.Task[None]] = []

    async def offer(self) -> dict[str, Any]:
        """Send InitiateSessionWithOffer; on AnswerGeneratedForSession, apply the answer."""
        self.pc.addTransceiver("video", direction="recvonly")
        self.pc.addTransceiver("audio", direction="recvonly")
        self.pc.on("track", self._on_track)
        await self.pc.setLocalDescription(await self.pc.createOffer())
        sdp = self.pc.localDescription.sdp
        self.response = await self._alexa.client.alexa(
            initiate_session(self._token, self.endpoint_id, self.session_id, sdp)
        )
        if event_name(self.response) == "AnswerGeneratedForSession":
            answer = self.response["event"]["payload"]["answer"]["value"]
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
        return self.response

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "video":
            self._readers.append(asyncio.create_task(self._count(track)))

    async def _count(self, track: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await track.recv()  # a decoded av.VideoFrame
            except MediaStreamError:
                return
            self.frames += 1
            if isinstance(frame, av.VideoFrame):
                self.frame_size = (frame.width, frame.height)
            if self.frames >= self._wanted:
                self._enough.set()

    async def receive(self, frames: int, timeout_s: float) -> int:
        """Wait until at least `frames` video frames are decoded (or the timeout); the count."""
        self._wanted = frames
        if self.frames < frames:
            self._enough.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._enough.wait(), timeout_s)
        return self.frames

    async def connected(self) -> dict[str, Any]:
        return await self._alexa.client.alexa(
            session_event("SessionConnected", self._token, self.endpoint_id, self.session_id)
        )

    async def disconnect(self) -> dict[str, Any]:
        """Close the media and send SessionDisconnected."""
        await self.close()
        return await self._alexa.client.alexa(
            session_event("SessionDisconnected", self._token, self.endpoint_id, self.session_id)
        )

    async def close(self) -> None:
        for reader in self._readers:
            reader.cancel()
        await self.pc.close()


class SimulatedAlexa:
    def __init__(self, client: CloudClient) -> None:
        self.client = client
        # Live views this Alexa opened by itself, on a doorbell press.
        self.doorbell_views: asyncio.Queue[LiveView] = asyncio.Queue()
        self._following: asyncio.Task[None] | None = None

    def follow(self, user: str, token: str, after: int = 0, poll_s: float = 0.1) -> None:
        """Watch the events the gateway accepts for `user`; each DoorbellPress opens a live view."""
        self._following = asyncio.create_task(self._follow(user, token, after, poll_s))

    async def _follow(self, user: str, token: str, after: int, poll_s: float) -> None:
        while True:
            answer = await self.client.alexa_reports(user, after)
            after = int(answer["next"])
            for report in answer["reports"]:
                if report["name"] == "DoorbellPress":
                    view, _ = await self.live_view(token, report["endpointId"])
                    await self.doorbell_views.put(view)
            await asyncio.sleep(poll_s)

    async def stop_following(self) -> None:
        if self._following is not None:
            self._following.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._following
            self._following = None

    async def discover(self, token: str) -> list[dict[str, Any]]:
        """The endpoints of the Discover.Response (empty for a bad token, as the skill answers)."""
        response = await self.client.alexa(discover(token))
        endpoints: list[dict[str, Any]] = response.get("event", {}).get("payload", {}).get("endpoints", [])
        return endpoints

    async def live_view(self, token: str, endpoint_id: str) -> tuple[LiveView, float]:
        """Open a session: (the live view, seconds until the answer came back)."""
        view = LiveView(self, token, endpoint_id)
        started = time.perf_counter()
        await view.offer()
        return view, time.perf_counter() - started
