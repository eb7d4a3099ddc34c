"""The scripted end-to-end run behind `make demo`, with a readable transcript and timings.

The user links the skill (AcceptGrant with a real code exchange at the emulated LWA); three
cameras register, each into its own cell (three accounts), connect, and reach Alexa through
AddOrUpdateReport; two more fill cell a and spill into the next; Alexa discovers the cameras,
opens a live view and decodes frames, then one in each cell, reports the session, is refused
another user's camera; one tag
rotation runs; a camera goes offline and comes back, and Alexa hears each change through a
ChangeReport that ReportState agrees with; the front door is a video doorbell: a press becomes a
DoorbellPress and Alexa opens its live view by itself; an expired Alexa token is refreshed; one
camera is deregistered, frees its cell's slot and leaves Alexa through DeleteReport. Then what the
cameras see: a person at the front door is announced (ObjectDetection) and Alexa fetches its
image; the user turns person detection off and the next person is recorded, not announced; a
snapshot is fetched (GetSnapshot); the history is paged (ReportData) and one event deleted
(DeleteData); another user gets nothing of the images. Last, the live-view canary runs its six
steps against a canary camera, as it does on AWS after a deploy. Every step checks its outcome; the run
succeeds only if all of them pass.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from functions.canary.logic import run_canary
from functions.common.deadline import Deadline
from localcloud.alexa.simulator import (
    LiveView,
    SimulatedAlexa,
    accept_grant,
    connectivity,
    error_type,
    event_name,
    report_state,
)
from localcloud.alexa.vision import AlexaVision, ImageRefused, by_identifier, by_range
from localcloud.aws.client import CloudClient
from localcloud.cameras.camera import SimulatedCamera
from localcloud.canary import CANARY_OWNER, local_parts
from localcloud.cloud import CloudState

MIN_FRAMES = 30
# Per camera when Alexa views one camera in each cell: enough to show video flows, kept short.
CELL_VIEW_FRAMES = 10
FRAME_TIMEOUT_S = 15.0
ALEXA_DEADLINE_S = 6.0
# Amazon's guidance for change reports; the doorbell press target is a second.
CHANGE_REPORT_S = 3.0
REPORT_WAIT_S = 10.0
# How long a detection of a class turned off is watched for not being announced, once recorded.
SILENCE_S = 1.0
SUMMARY_FIGURES = ("status", "channelsSeen", "rotated", "updated", "unchanged", "orphans", "failed")


class CheckFailed(Exception):
    """A step ran but its outcome was wrong."""


def describe_sdp(sdp: str) -> str:
    """What an SDP holds, without printing it (its candidates carry IP addresses)."""
    lines = sdp.splitlines()
    media = [line.split()[0].removeprefix("m=") for line in lines if line.startswith("m=")]
    candidates = sum(line.startswith("a=candidate:") for line in lines)
    return (
        f"{len(sdp)} bytes of SDP, media {'+'.join(media)}, "
        f"{candidates} ICE candidates gathered up front (no trickle)"
    )


def check(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


@dataclass
class TranscriptStep:
    name: str
    ok: bool
    detail: str
    seconds: float


@dataclass
class Transcript:
    out: TextIO = sys.stdout
    steps: list[TranscriptStep] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    async def step(self, name: str, run: Callable[[], Awaitable[str]]) -> bool:
        """Run one step, print it with its duration, and record whether it passed."""
        began = time.perf_counter()
        try:
            detail, ok = await run(), True
        except Exception as exc:  # a failed step is reported, and the run goes on to report the rest
            detail, ok = f"{type(exc).__name__}: {exc}", False
        seconds = time.perf_counter() - began
        self.steps.append(TranscriptStep(name, ok, detail, seconds))
        mark = "ok  " if ok else "FAIL"
        elapsed = time.perf_counter() - self.started
        print(f"[{elapsed:6.2f}s] {mark} {name} ({seconds * 1000:.0f} ms)", file=self.out)
        for line in detail.splitlines():
            print(f"            {line}", file=self.out, flush=True)
        return ok

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(s.ok for s in self.steps)


class DemoRun:
    """The scripted steps against a running local cloud; `suffix` keeps names unique per run."""

    def __init__(self, client: CloudClient, state: CloudState, suffix: str = "") -> None:
        self.client = client
        self.state = state
        self.alice, self.bob, self.carol = f"alice{suffix}", f"bob{suffix}", f"carol{suffix}"
        self.front = SimulatedCamera(client, f"front-door{suffix}", self.alice, "Front door", doorbell=True)
        self.garage = SimulatedCamera(client, f"garage{suffix}", self.alice, "Garage")
        self.porch = SimulatedCamera(client, f"porch{suffix}", self.bob, "Porch")
        self.cameras = [self.front, self.garage, self.porch]
        # Registered only, to fill cells (carol never links, so Alexa hears nothing of them).
        self.shed = SimulatedCamera(client, f"shed{suffix}", self.carol, "Shed")
        self.barn = SimulatedCamera(client, f"barn{suffix}", self.carol, "Barn")
        # The canary camera: registered only; the canary connects as its MASTER itself.
        self.canary = SimulatedCamera(client, f"canary{suffix}", CANARY_OWNER, "Canary")
        self.cell_of: dict[str, str] = {}  # deviceId -> cell id, from its channel's account
        self.alexa = SimulatedAlexa(client)
        self.vision = AlexaVision(client)
        self.detected: list[str] = []  # the front door's eventIds, oldest first
        self.frame_uris: dict[str, str] = {}
        self.tokens: dict[str, str] = {}
        self.views: list[LiveView] = []

    def steps(self) -> list[tuple[str, Callable[[], Awaitable[str]]]]:
        return [
            ("The user links the skill: AcceptGrant, grant code exchanged at LWA", self.link),
            ("Register three cameras", self.register),
            ("New cameras reach Alexa through AddOrUpdateReport, no Discover", self.reported),
            ("Cameras fetch their config and connect as MASTER", self.connect),
            ("Each camera's channel is in its own cell: three accounts", self.in_cells),
            ("Cell a is full: a new camera spills into the next cell", self.spill),
            ("Alexa discovers the user's cameras", self.discover),
            ("Alexa opens a live view with its own WebRTC offer", self.offer),
            ("Alexa receives and decodes video", self.receive),
            ("Alexa opens a live view of a camera in each cell", self.views_in_cells),
            ("Alexa reports SessionConnected", self.connected),
            ("Alexa reports SessionDisconnected", self.disconnected),
            ("Alexa asks for another user's camera", self.foreign),
            ("One tag rotation run", self.rotate),
            ("A camera goes offline: ChangeReport UNREACHABLE, ReportState agrees", self.offline),
            ("It comes back: ChangeReport OK, ReportState agrees", self.online),
            ("The doorbell is pressed: DoorbellPress, Alexa opens the live view by itself", self.ring),
            ("An expired Alexa access token is refreshed", self.refreshed),
            ("Deregister one camera", self.deregister),
            ("The deregistered camera leaves Alexa through DeleteReport", self.deleted),
            ("A person at the front door: ObjectDetection, Alexa fetches its image", self.person),
            ("Person detection turned off: the next person is recorded, not announced", self.silenced),
            ("Alexa asks for a snapshot: GetSnapshot, image fetched", self.snapshot),
            ("Alexa pages the history (ReportData) and deletes one event (DeleteData)", self.history),
            ("Another user asks for the images: refused", self.images_refused),
            ("The live-view canary passes its six steps (make smoke's check)", self.live_view_canary),
        ]

    async def link(self) -> str:
        self.tokens[self.alice] = await self.client.token(self.alice)
        code = await self.client.link(self.alice)
        response = await self.client.alexa(accept_grant(self.tokens[self.alice], code))
        check(event_name(response) == "AcceptGrant.Response", f"got {response}")
        stats = await self.client.alexa_stats()
        check(stats["lwa"].get("authorization_code") == 1, f"LWA calls: {stats['lwa']}")
        return f"{self.alice}: AcceptGrant -> AcceptGrant.Response; 1 code exchange at LWA, grant stored"

    async def _alexa_knows(
        self, user: str, expected: set[str], timeout_s: float = 10.0
    ) -> list[dict[str, Any]]:
        """Wait until `user`'s Alexa holds exactly `expected` (reports flow through a queue)."""
        deadline = time.monotonic() + timeout_s
        while True:
            endpoints = await self.client.alexa_endpoints(user)
            if {e["endpointId"] for e in endpoints} == expected or time.monotonic() > deadline:
                return endpoints
            await asyncio.sleep(0.2)

    async def reported(self) -> str:
        began = time.perf_counter()
        expected = {self.front.device_id, self.garage.device_id}
        endpoints = await self._alexa_knows(self.alice, expected)
        check({e["endpointId"] for e in endpoints} == expected, f"{self.alice}'s Alexa knows {endpoints}")
        names = ", ".join(sorted(e["friendlyName"] for e in endpoints))
        waited = time.perf_counter() - began
        return (
            f"{self.alice}'s Alexa lists {names} (pushed, no Discover; waited {waited:.2f} s) "
            f"({self.bob} never linked: his camera was skipped)"
        )

    async def refreshed(self) -> str:
        before = await self.client.alexa_stats()
        expired = await self.client.expire_alexa_tokens(self.alice)
        await self.client.publish(
            "DeviceUpdated",
            {"deviceId": self.front.device_id, "ownerId": self.alice, "friendlyName": "Front gate"},
        )
        await self.client.drain_lifecycle()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            names = {
                e["endpointId"]: e["friendlyName"] for e in await self.client.alexa_endpoints(self.alice)
            }
            if names.get(self.front.device_id) == "Front gate":
                break
            await asyncio.sleep(0.2)
        check(names.get(self.front.device_id) == "Front gate", f"Alexa still has {names}")
        after = await self.client.alexa_stats()
        refreshes = after["lwa"].get("refresh_token", 0) - before["lwa"].get("refresh_token", 0)
        rejected = after["gateway"].get("401", 0) - before["gateway"].get("401", 0)
        check(refreshes == 1, f"{refreshes} refreshes")
        return (
            f"{expired} access token(s) expired at LWA; the gateway answered 401 x{rejected}, "
            f"the events function refreshed once and resent: renamed to 'Front gate'"
        )

    async def deleted(self) -> str:
        endpoints = await self._alexa_knows(self.alice, {self.front.device_id})
        check([e["endpointId"] for e in endpoints] == [self.front.device_id], f"Alexa knows {endpoints}")
        return f"DeleteReport {self.garage.device_id}: {self.alice}'s Alexa lists only {self.front.device_id}"

    async def register(self) -> str:
        for camera in self.cameras:
            await camera.register()
        return f"DeviceRegistered x3 through the lifecycle queue ({self.alice}: 2 cameras, {self.bob}: 1)"

    async def connect(self) -> str:
        for camera in self.cameras:
            await camera.fetch_config()
            await camera.connect()
        check(all(c.connected for c in self.cameras), "a camera is not connected")
        config = self.front.config
        assert config is not None
        return (
            "config from GET /config, SigV4-signed as each camera's role session;"
            f" MASTER over {config.endpoints.wss.split('/m-')[0]}"
        )

    async def _placed(self) -> dict[str, dict[str, Any]]:
        return {cell["id"]: cell for cell in await self.client.cells()}

    async def in_cells(self) -> str:
        cells = await self._placed()
        by_account = {cell["account"]: cell_id for cell_id, cell in cells.items()}
        lines = []
        for camera in self.cameras:
            assert camera.config is not None
            account = camera.config.channel_arn.split(":")[4]
            self.cell_of[camera.device_id] = by_account[account]
            lines.append(f"{camera.device_id} -> cell {by_account[account]} (account {account})")
        check(
            sorted(self.cell_of.values()) == sorted(cells),
            f"the cameras are in cells {self.cell_of}, not one in each",
        )
        loads = ", ".join(f"{i} {c['placed']}/{c['capacity']}" for i, c in cells.items())
        return "\n".join([*lines, f"least loaded first; placed/capacity: {loads}"])

    async def spill(self) -> str:
        before = await self._placed()
        # The first fills cell a (every cell holds one; ties go in CELLS order).
        await self.shed.register()
        filled = await self._placed()
        check(filled["a"]["placed"] == filled["a"]["capacity"], f"cell a is not full: {filled['a']}")
        await self.barn.register()
        after = await self._placed()
        check(after["a"]["placed"] == filled["a"]["placed"], "a camera went into the full cell a")
        grew = [i for i in after if after[i]["placed"] > filled[i]["placed"]]
        check(len(grew) == 1, f"placed before {filled}, after {after}")
        (cell,) = grew
        check(after[cell]["channels"] == after[cell]["placed"], f"cell {cell}: {after[cell]}")
        return (
            f"{self.shed.device_id} -> cell a ({before['a']['placed']} -> {filled['a']['placed']}/"
            f"{filled['a']['capacity']}: full)\n"
            f"{self.barn.device_id} -> cell {cell} (a is full; the least loaded cell with room), "
            f"its channel created in account {after[cell]['account']}"
        )

    async def views_in_cells(self) -> str:
        owners = {self.garage.device_id: self.alice, self.porch.device_id: self.bob}
        views: dict[str, tuple[LiveView, float]] = {}
        # The front door's view (cell a) is already open: one more view per other cell.
        for camera in (self.garage, self.porch):
            view, seconds = await self.alexa.live_view(
                self.tokens[owners[camera.device_id]], camera.device_id
            )
            self.views.append(view)
            check(event_name(view.response) == "AnswerGeneratedForSession", f"got {view.response}")
            check(seconds < ALEXA_DEADLINE_S, f"answer took {seconds:.2f} s")
            views[camera.device_id] = (view, seconds)
        counts = await asyncio.gather(
            *(v.receive(CELL_VIEW_FRAMES, FRAME_TIMEOUT_S) for v, _ in views.values())
        )
        lines = [f"cell {self.cell_of[self.front.device_id]}: {self.front.device_id} (the view above)"]
        for (device_id, (_, seconds)), count in zip(views.items(), counts, strict=True):
            check(count >= CELL_VIEW_FRAMES, f"{device_id}: only {count} frames decoded")
            lines.append(
                f"cell {self.cell_of[device_id]}: {device_id} answered in {seconds * 1000:.0f} ms, "
                f"{count} frames decoded"
            )
        for view, _ in views.values():
            await view.close()
        return "\n".join(lines)

    async def discover(self) -> str:
        for user in (self.alice, self.bob):
            self.tokens[user] = await self.client.token(user)
        endpoints = await self.alexa.discover(self.tokens[self.alice])
        found = sorted(e["endpointId"] for e in endpoints)
        expected = sorted([self.front.device_id, self.garage.device_id])
        check(found == expected, f"{self.alice} discovered {found}")
        names = ", ".join(f"{e['friendlyName']} ({e['endpointId']})" for e in endpoints)
        return f"{len(endpoints)} cameras for {self.alice}: {names}"

    async def offer(self) -> str:
        view, seconds = await self.alexa.live_view(self.tokens[self.alice], self.front.device_id)
        self.views.append(view)
        check(event_name(view.response) == "AnswerGeneratedForSession", f"got {view.response}")
        check(seconds < ALEXA_DEADLINE_S, f"answer took {seconds:.2f} s")
        answer = view.response["event"]["payload"]["answer"]
        return (
            f"InitiateSessionWithOffer -> AnswerGeneratedForSession in {seconds * 1000:.0f} ms\n"
            f"answer: {describe_sdp(answer['value'])}"
        )

    async def receive(self) -> str:
        view = self.views[0]
        began = time.perf_counter()
        count = await view.receive(MIN_FRAMES, FRAME_TIMEOUT_S)
        check(count >= MIN_FRAMES, f"only {count} frames decoded")
        size = "x".join(map(str, view.frame_size or ()))
        return f"{count} video frames decoded ({size}) in {time.perf_counter() - began:.2f} s"

    async def connected(self) -> str:
        response = await self.views[0].connected()
        check(error_type(response) is None, f"got {response}")
        return f"SessionConnected -> {event_name(response)}"

    async def disconnected(self) -> str:
        response = await self.views[0].disconnect()
        check(error_type(response) is None, f"got {response}")
        return f"SessionDisconnected -> {event_name(response)}"

    async def foreign(self) -> str:
        answered = self.porch.offers_answered
        view, _ = await self.alexa.live_view(self.tokens[self.alice], self.porch.device_id)
        await view.close()
        check(error_type(view.response) == "NO_SUCH_ENDPOINT", f"got {view.response}")
        check(self.porch.offers_answered == answered, "the foreign camera received the offer")
        return f"{self.alice} -> {self.bob}'s {self.porch.device_id}: ErrorResponse NO_SUCH_ENDPOINT"

    async def rotate(self) -> str:
        result = await self.client.rotate()
        check(isinstance(result, dict) and not result.get("failed"), f"got {result}")
        figures = {k: result[k] for k in SUMMARY_FIGURES if k in result}
        return "tag rotation: " + ", ".join(f"{k}={v}" for k, v in figures.items())

    async def deregister(self) -> str:
        cell = self.cell_of[self.garage.device_id]
        before = (await self._placed())[cell]
        await self.garage.deregister()
        endpoints = await self.alexa.discover(self.tokens[self.alice])
        found = [e["endpointId"] for e in endpoints]
        check(found == [self.front.device_id], f"{self.alice} still discovers {found}")
        status, _ = await self.client.device_config(self.garage.device_id)
        check(status >= 400, f"the deregistered camera still gets its config (HTTP {status})")
        after = (await self._placed())[cell]
        check(after["placed"] == before["placed"] - 1, f"cell {cell} still holds {after['placed']}")
        return (
            f"DeviceDeregistered {self.garage.device_id}: gone from Discovery, config refused "
            f"(HTTP {status}); its slot in cell {cell} is free "
            f"({before['placed']} -> {after['placed']}/{after['capacity']})"
        )

    async def _next_report(self, name: str, endpoint_id: str) -> tuple[dict[str, Any], float]:
        """The first `name` event for the camera the gateway accepts for alice from now on, and
        the seconds until it was accepted."""
        began = time.perf_counter()
        after = int((await self.client.alexa_reports(self.alice))["next"])
        while time.perf_counter() - began < REPORT_WAIT_S:
            answer = await self.client.alexa_reports(self.alice, after)
            after = int(answer["next"])
            for report in answer["reports"]:
                if report["name"] == name and report.get("endpointId") == endpoint_id:
                    return report, time.perf_counter() - began
            await asyncio.sleep(0.05)
        raise CheckFailed(f"no {name} for {endpoint_id} within {REPORT_WAIT_S:.0f} s")

    async def _connectivity_change(self, change: Callable[[], Awaitable[None]], expected: str) -> str:
        camera = self.garage
        waiting = asyncio.create_task(self._next_report("ChangeReport", camera.device_id))
        await asyncio.sleep(0)  # the wait starts before the change, so the report cannot be missed
        await change()
        report, seconds = await waiting
        (prop,) = report["payload"]["change"]["properties"]
        cause = report["payload"]["change"]["cause"]["type"]
        check(prop["value"]["value"] == expected, f"ChangeReport says {prop['value']}")
        check(seconds < CHANGE_REPORT_S, f"the ChangeReport took {seconds:.2f} s")
        state = connectivity(await self.client.alexa(report_state(self.tokens[self.alice], camera.device_id)))
        check(state == expected, f"ReportState says {state}")
        return (
            f"{camera.device_id}: ChangeReport {expected} ({cause}) accepted {seconds:.2f} s after the "
            f"event; ReportState -> {state}"
        )

    async def offline(self) -> str:
        return await self._connectivity_change(lambda: self.garage.disconnect(reason="power"), "UNREACHABLE")

    async def online(self) -> str:
        return await self._connectivity_change(self.garage.connect, "OK")

    async def ring(self) -> str:
        after = int((await self.client.alexa_reports(self.alice))["next"])
        self.alexa.follow(self.alice, self.tokens[self.alice], after)
        began = time.perf_counter()
        await self.front.ring()
        view = await asyncio.wait_for(self.alexa.doorbell_views.get(), REPORT_WAIT_S)
        opened = time.perf_counter() - began
        self.views.append(view)
        check(event_name(view.response) == "AnswerGeneratedForSession", f"got {view.response}")
        count = await view.receive(MIN_FRAMES, FRAME_TIMEOUT_S)
        check(count >= MIN_FRAMES, f"only {count} frames decoded")
        return (
            f"DoorbellPressed {self.front.device_id} -> DoorbellPress -> InitiateSessionWithOffer by "
            f"Alexa itself, answered {opened:.2f} s after the press; {count} frames decoded"
        )

    async def person(self) -> str:
        waiting = asyncio.create_task(self._next_report("ObjectDetection", self.front.device_id))
        await asyncio.sleep(0)  # the wait starts before the event, so the report cannot be missed
        event_id = await self.front.detect("person")
        report, seconds = await waiting
        (item,) = report["payload"]["events"]
        check(item["eventIdentifier"] == event_id, f"announced {item['eventIdentifier']}, not {event_id}")
        check(seconds < CHANGE_REPORT_S, f"the ObjectDetection took {seconds:.2f} s")
        self.detected.append(event_id)
        self.frame_uris[event_id] = item["frameImageUri"]
        image = await self.vision.detection_image(self.tokens[self.alice], self.front.device_id, item)
        return (
            f"ObjectDetected {item['imageNetClass']} (a {image.width}x{image.height} still of the video, "
            f"uploaded through POST /media) -> ObjectDetection accepted {seconds:.2f} s after the event\n"
            f"Alexa fetched its frame with {self.alice}'s token: {image.content_type} "
            f"{image.width}x{image.height}, {len(image.data) // 1024} KB, no redirect"
        )

    async def silenced(self) -> str:
        token = self.tokens[self.alice]
        answer = await self.vision.set_classes(token, self.front.device_id, ["package"])
        check(error_type(answer) is None, f"got {answer}")
        after = int((await self.client.alexa_reports(self.alice))["next"])
        event_id = await self.front.detect("person")
        recorded_by = time.monotonic() + REPORT_WAIT_S
        while True:
            page = await self.vision.report_data(token, self.front.device_id, by_identifier([event_id]))
            if page["event"]["payload"].get("data") or time.monotonic() > recorded_by:
                break
            await asyncio.sleep(0.1)
        check(bool(page["event"]["payload"].get("data")), "the detection was not recorded")
        await asyncio.sleep(SILENCE_S)
        reports = (await self.client.alexa_reports(self.alice, after))["reports"]
        check(not [r for r in reports if r["name"] == "ObjectDetection"], f"announced: {reports}")
        self.detected.append(event_id)
        self.frame_uris[event_id] = page["event"]["payload"]["data"][0]["frameImageUri"]
        return (
            "SetObjectDetectionClasses [package] -> Alexa.Response; the next person is in the history "
            f"(ReportData by identifier), and no ObjectDetection came within {SILENCE_S:.0f} s"
        )

    async def snapshot(self) -> str:
        token = self.tokens[self.alice]
        await self.front.snapshot()
        deadline = time.monotonic() + REPORT_WAIT_S
        # The detections queue is drained a few times a second; until then the last is too old.
        while error_type(await self.vision.get_snapshot(token, self.front.device_id)) is not None:
            check(time.monotonic() < deadline, "no fresh snapshot")
            await asyncio.sleep(0.1)
        began = time.perf_counter()
        response, image = await self.vision.snapshot(token, self.front.device_id)
        seconds = time.perf_counter() - began
        return (
            f"SnapshotTaken -> GetSnapshot -> Snapshot of {response['event']['payload']['timeOfSample']}; "
            f"image {image.content_type} {image.width}x{image.height} answered and fetched in "
            f"{seconds * 1000:.0f} ms"
        )

    async def history(self) -> str:
        token, device = self.tokens[self.alice], self.front.device_id
        now = datetime.now(UTC)
        window = by_range(now - timedelta(hours=1), now + timedelta(minutes=1))
        pages: list[list[str]] = []
        next_token: str | None = None
        while True:
            page = await self.vision.report_data(token, device, window, max_results=1, next_token=next_token)
            pages.append([i["eventIdentifier"] for i in page["event"]["payload"]["data"]])
            next_token = page["event"]["payload"].get("paginationContext", {}).get("nextToken")
            if next_token is None or len(pages) > len(self.detected):
                break
        newest_first = [i for p in pages for i in p]
        check(newest_first == self.detected[::-1], f"pages {pages}, detected {self.detected}")
        oldest = self.detected[0]
        answer = await self.vision.delete_data(token, device, [oldest])
        check(answer["event"]["header"]["name"] == "DeleteDataResponse", f"got {answer}")
        left = await self.vision.report_data(token, device, window)
        remaining = [i["eventIdentifier"] for i in left["event"]["payload"]["data"]]
        check(remaining == self.detected[1:], f"after the delete: {remaining}")
        status = await self._refused(self.frame_uris[oldest], token)
        check(status == 404, f"the deleted event's image answered {status}")
        return (
            f"ReportData pages of 1, newest first: {len(pages)} page(s) through nextToken\n"
            f"DeleteData {oldest} -> DeleteDataResponse; {len(remaining)} event left, "
            f"its image now answers {status}"
        )

    async def images_refused(self) -> str:
        uri = self.frame_uris[self.detected[-1]]
        foreign = await self._refused(uri, self.tokens[self.bob])
        anonymous = await self._refused(uri, None)
        check((foreign, anonymous) == (404, 401), f"answered {foreign} and {anonymous}")
        return f"{self.bob}'s token -> {foreign}; no token -> {anonymous} (the image is {self.alice}'s)"

    async def _refused(self, uri: str, token: str | None) -> int:
        """The status an image fetch is refused with (a served image fails the step)."""
        try:
            await self.vision.fetch_once(uri, token)
        except ImageRefused as exc:
            return exc.status
        raise CheckFailed(f"{uri} was served")

    async def live_view_canary(self) -> str:
        await self.canary.register()
        token = await self.client.token(CANARY_OWNER)
        parts = local_parts(self.state, token)
        # Blocking, as on Lambda: in a thread, so this loop keeps serving the cloud it calls.
        report = await asyncio.to_thread(run_canary, self.canary.device_id, parts, Deadline(30))
        check(report.ok, report.summary())
        return f"{report.summary()}\n" + ", ".join(f"{s.step} {s.ms:.0f} ms" for s in report.steps)

    async def close(self) -> None:
        await self.alexa.stop_following()
        for view in self.views:
            await view.close()
        for camera in [*self.cameras, self.shed, self.barn, self.canary]:
            await camera.close()


async def run_demo(client: CloudClient, transcript: Transcript, state: CloudState, suffix: str = "") -> bool:
    """Every step in order, stopping at the first failure (later steps build on earlier ones)."""
    run = DemoRun(client, state, suffix)
    try:
        for name, step in run.steps():
            if not await transcript.step(name, step):
                break
    finally:
        await run.close()
    return transcript.ok
