"""Detections and snapshots on the local cloud, as `python -m localcloud up` runs it: a detection
from the camera's device event to Alexa's gateway, GetSnapshot with its image fetched, and the
history (ReportData) of a camera with a large stored history.

The local cloud runs in a fresh interpreter (`python -m bench.detections`), as it does under `up`:
its functions build their clients and settings once per process, as on Lambda, and none of the
other sections' state reaches them.
"""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.report import Section
from bench.stats import percentile

if TYPE_CHECKING:
    from localcloud.aws.client import CloudClient
    from localcloud.cloud import LocalCloud

REPO = Path(__file__).resolve().parent.parent
USER = "bench-user"
PAGE = 10
# Events come at random moments, not in step with the local cloud's queue polling: each is
# published after a random pause of up to this long.
PHASE_S = 0.25
ARRIVAL_WAIT_S = 10.0
CHILD_TIMEOUT_S = 600
BATCH_WRITE = 25  # DynamoDB's BatchWriteItem limit
TARGETS_MS = {"detection": 1000, "snapshot": 500, "history": 200}
METHOD = (
    "the local cloud (`localcloud.cloud.LocalCloud`: moto server over TLS, the functions in "
    "process, its long-polling queue pollers, the emulated gateway checking every event's schema) in a fresh "
    "interpreter, driven over HTTPS by the simulated camera's client and the simulated Alexa; "
    "{n} samples of each after one warm-up (reported apart: the functions' first call). "
    "Detection: the frame uploaded through POST /media first (not timed), then the clock runs "
    "from the ObjectDetected POST /events (the device event's publish) to the gateway accepting "
    "its ObjectDetection; each publish after a random 0-{phase} ms pause, so events fall at any "
    "point of the queue polling. Snapshot: GetSnapshot through the skill and the image fetched "
    "as Alexa does (bearer token, Accept, no redirect, type and size checked). History: "
    "{stored:,} detections of one camera written straight into the table (BatchWriteItem of the "
    "store's own item shape), then {n} ReportData pages of {page} by time range, newest first, "
    "following nextToken; reads per page are the DynamoDB Query calls the skill made and their "
    "ScannedCount (items DynamoDB evaluates and bills), counted on the functions' clients."
)


def measure(samples: int, stored: int) -> Section:
    """The section, measured in a fresh interpreter."""
    section = Section(
        title="Detections and snapshots",
        method=METHOD.format(n=samples, phase=round(PHASE_S * 1000), stored=stored, page=PAGE),
    )
    with tempfile.TemporaryDirectory(prefix="bench-detections-") as tmp:
        out = Path(tmp) / "section.json"
        done = subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
            [sys.executable, "-m", "bench.detections", str(samples), str(stored), str(out)],
            cwd=REPO,
            stdout=subprocess.DEVNULL,  # the functions' logs and metrics
            stderr=subprocess.PIPE,
            text=True,
            timeout=CHILD_TIMEOUT_S,
            check=False,
        )
        if done.returncode != 0 or not out.exists():
            section.not_available(f"the run FAILED: {done.stderr.strip().splitlines()[-1:]}")
            return section
        measured = Section.model_validate_json(out.read_text())
    section.metrics = measured.metrics
    return section


class DynamoReads:
    """DynamoDB calls of every client of the process's default session, what Query read, and the
    time moto's own Query took (it walks the whole table and sorts the partition on each call,
    which DynamoDB does not: the emulation's cost, apart from the skill's)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.scanned = 0
        self.moto_query_s = 0.0
        self._lock = threading.Lock()

    def __call__(self, event_name: str, parsed: dict[str, Any], **kwargs: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        with self._lock:
            self.calls[operation] += 1
            if operation == "Query":
                self.scanned += int(parsed.get("ScannedCount", 0))

    def snapshot(self) -> tuple[Counter[str], int, float]:
        with self._lock:
            return Counter(self.calls), self.scanned, self.moto_query_s

    def install(self) -> None:
        """Before the functions' clients exist (a client copies its session's handlers when created),
        after the cloud's start (`aws_clients.clear_cache()` there drops the session)."""
        from functions.common import aws_clients

        events = aws_clients.process_session().get_component("event_emitter")
        events.register("after-call.dynamodb", self, unique_id="bench-dynamo-reads")
        from moto.dynamodb.models.table import Table

        query = Table.query

        def timed(table: Table, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return query(table, *args, **kwargs)
            finally:
                with self._lock:
                    self.moto_query_s += time.perf_counter() - started

        Table.query = timed  # type: ignore[method-assign]


def _arrivals(cloud: LocalCloud) -> dict[str, float]:
    """When the gateway accepted each ObjectDetection item, by eventIdentifier (this clock)."""
    assert cloud.alexa is not None
    gateway = cloud.alexa.gateway
    arrived: dict[str, float] = {}
    apply = gateway._apply

    def timed(user: str, message: dict[str, Any]) -> None:
        apply(user, message)
        event = message["event"]
        if event["header"]["name"] == "ObjectDetection":
            for item in event["payload"]["events"]:
                arrived.setdefault(item["eventIdentifier"], time.perf_counter())

    gateway._apply = timed  # type: ignore[method-assign]
    return arrived


async def _wait_for(arrived: dict[str, float], key: str) -> float | None:
    deadline = time.monotonic() + ARRIVAL_WAIT_S
    while key not in arrived and time.monotonic() < deadline:
        await asyncio.sleep(0.005)
    return arrived.get(key)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


async def _detections(
    client: CloudClient, device_id: str, image: bytes, arrived: dict[str, float], count: int
) -> tuple[list[float], int]:
    """Seconds from each ObjectDetected publish to its ObjectDetection at the gateway; lost ones."""
    pause = random.Random(25)
    latencies: list[float] = []
    for _ in range(count):
        media_id = await client.media_upload(device_id, image)
        event_id = uuid.uuid4().hex
        detail = {
            "deviceId": device_id,
            "eventId": event_id,
            "objectClass": "person",
            "detectedAt": _stamp(datetime.now(UTC)),
            "mediaId": media_id,
        }
        await asyncio.sleep(pause.uniform(0, PHASE_S))
        sent = time.perf_counter()
        await client.publish("ObjectDetected", detail)
        at = await _wait_for(arrived, event_id)
        if at is not None:
            latencies.append(at - sent)
    return latencies, count - len(latencies)


async def _snapshots(client: CloudClient, token: str, device_id: str, count: int) -> list[float]:
    from localcloud.alexa.vision import AlexaVision

    alexa = AlexaVision(client)
    spent: list[float] = []
    for _ in range(count):
        started = time.perf_counter()
        await alexa.snapshot(token, device_id)  # raises unless answered and fetched
        spent.append(time.perf_counter() - started)
    return spent


def _seed_history(env: dict[str, str], device_id: str, media_key: str, stored: int) -> list[str]:
    """`stored` detections of the camera, a second apart, newest first; their eventIds in that order."""
    from functions.common import aws_clients
    from functions.common.detections.store import Detection, detection_item
    from functions.common.registry.store import event_time_key

    dynamodb = aws_clients.client("dynamodb")
    now = datetime.now(UTC)
    expires = int(now.timestamp()) + 86_400
    ids = [f"seed-{i:05d}" for i in range(stored)]
    items = [
        detection_item(
            Detection(
                USER,
                device_id,
                event_id,
                "person",
                event_time_key(now - timedelta(seconds=i + 1)),
                media_key,
                None,
                True,
            ),
            expires,
        )
        for i, event_id in enumerate(ids)
    ]
    table = env["DETECTIONS_TABLE_NAME"]
    for i in range(0, len(items), BATCH_WRITE):
        requests = [{"PutRequest": {"Item": item}} for item in items[i : i + BATCH_WRITE]]
        unprocessed: Any = {table: requests}
        while unprocessed:
            unprocessed = dynamodb.batch_write_item(RequestItems=unprocessed).get("UnprocessedItems")
    return ids


@dataclass
class Pages:
    spent: list[float]  # each page's seconds
    emulated: list[float]  # moto's Query seconds in each
    queries: list[int]  # Query calls per page
    scanned: list[int]  # items those Queries evaluated
    calls: int  # DynamoDB calls in all
    problem: str | None  # what the pages held that they should not


async def _history(
    client: CloudClient, token: str, device_id: str, reads: DynamoReads, *, pages: int, stored: int
) -> Pages:
    from localcloud.alexa.vision import AlexaVision, by_range

    alexa = AlexaVision(client)
    now = datetime.now(UTC)
    window = by_range(now - timedelta(seconds=stored + 3600), now)
    spent: list[float] = []
    queries: list[int] = []
    scanned: list[int] = []
    seen: list[str] = []
    calls_before, _, _ = reads.snapshot()
    emulated: list[float] = []
    next_token: str | None = None
    for _ in range(pages):
        before, scanned_before, moto_before = reads.snapshot()
        started = time.perf_counter()
        page = await alexa.report_data(token, device_id, window, max_results=PAGE, next_token=next_token)
        spent.append(time.perf_counter() - started)
        after, scanned_after, moto_after = reads.snapshot()
        emulated.append(moto_after - moto_before)
        queries.append(after["Query"] - before["Query"])
        scanned.append(scanned_after - scanned_before)
        payload = page["event"]["payload"]
        seen += [item["eventIdentifier"] for item in payload.get("data", [])]
        next_token = payload.get("paginationContext", {}).get("nextToken")
        if next_token is None:
            break
    calls_after, _, _ = reads.snapshot()
    calls = sum(calls_after.values()) - sum(calls_before.values())
    expected = [f"seed-{i:05d}" for i in range(len(seen))]
    problem = None if seen == expected and len(seen) == pages * PAGE else f"pages held {seen[:3]}..."
    return Pages(spent, emulated, queries, scanned, calls, problem)


async def _run(samples: int, stored: int, state_dir: Path) -> Section:
    from functions.common.detections.media_store import media_key
    from localcloud.alexa.simulator import accept_grant
    from localcloud.alexa.vision import AlexaVision
    from localcloud.aws.client import CloudClient, cloud_session
    from localcloud.cameras.camera import SimulatedCamera
    from localcloud.cameras.media import jpeg_still
    from localcloud.cloud import LocalCloud

    section = Section(title="Detections and snapshots", method="")
    reads = DynamoReads()
    cloud = LocalCloud(state_dir)
    await cloud.start()
    reads.install()  # before the queue pumps, created by start(), first run
    arrived = _arrivals(cloud)
    try:
        async with cloud_session(cloud.ca.ca_file) as session:
            client = CloudClient(cloud.url, session, cloud.region)
            token = await client.token(USER)
            await client.alexa(accept_grant(token, await client.link(USER)))
            door = SimulatedCamera(client, "bench-door", USER, "Door")
            history = SimulatedCamera(client, "bench-history", USER, "History")
            await door.register()
            await history.register()
            image = jpeg_still(time.time(), "bench")

            first, lost_first = await _detections(client, door.device_id, image, arrived, 1)
            detection, lost = await _detections(client, door.device_id, image, arrived, samples)
            _add(
                section,
                "ObjectDetected published → ObjectDetection at the gateway",
                detection,
                target_ms=TARGETS_MS["detection"],
                first=first,
                lost=lost + lost_first,
                expected=samples,
            )

            await door.snapshot()
            answer = await AlexaVision(client).get_snapshot(token, door.device_id)
            deadline = time.monotonic() + ARRIVAL_WAIT_S
            while answer["event"]["header"]["name"] != "Snapshot" and time.monotonic() < deadline:
                await asyncio.sleep(0.05)  # the SnapshotTaken still in the detections queue
                answer = await AlexaVision(client).get_snapshot(token, door.device_id)
            first = await _snapshots(client, token, door.device_id, 1)
            snapshot = await _snapshots(client, token, door.device_id, samples)
            _add(
                section,
                "GetSnapshot answered and its image fetched",
                snapshot,
                target_ms=TARGETS_MS["snapshot"],
                first=first,
                lost=0,
                expected=samples,
            )

            seeded_media = await client.media_upload(history.device_id, image)
            seed_started = time.perf_counter()
            _seed_history(cloud.env, history.device_id, media_key(history.device_id, seeded_media), stored)
            seed_s = time.perf_counter() - seed_started
            warm = await _history(client, token, history.device_id, reads, pages=1, stored=stored)
            pages = await _history(client, token, history.device_id, reads, pages=samples, stored=stored)
    finally:
        await cloud.stop()
    _add_history(section, pages, warm=warm.spent, samples=samples, stored=stored)
    section.add("seeding the history (BatchWriteItem)", seed_s, "s", note=f"{stored:,} items")
    return section


def _add_history(section: Section, pages: Pages, *, warm: list[float], samples: int, stored: int) -> None:
    label = f"ReportData page of {PAGE} of {stored:,} stored"
    _add(
        section,
        label,
        pages.spent,
        target_ms=TARGETS_MS["history"],
        first=warm,
        lost=0,
        expected=samples,
        problem=pages.problem,
    )
    section.add(
        f"{label}: of which moto's own Query p95",
        percentile(pages.emulated, 95) * 1000 if pages.emulated else "n/a",
        "ms",
        note="the emulation walking the whole table (DynamoDB reads only the page)",
    )
    own = [total - moto for total, moto in zip(pages.spent, pages.emulated, strict=True)]
    section.add(
        f"{label} without moto's Query, p95",
        percentile(own, 95) * 1000 if own else "n/a",
        "ms",
        target=f"< {TARGETS_MS['history']} ms",
        met=bool(own) and percentile(own, 95) * 1000 < TARGETS_MS["history"] and pages.problem is None,
        note="the skill, the other calls and the transport; each page minus its Query in moto",
    )
    exact = all(q == 1 for q in pages.queries) and all(s == PAGE for s in pages.scanned)
    section.add(
        "items read per ReportData page (Query ScannedCount)",
        max(pages.scanned, default=0),
        "items",
        target=f"= page ({PAGE})",
        met=exact and pages.problem is None,
        note=f"max over {len(pages.scanned)} pages; {max(pages.queries, default=0)} Query per page; "
        f"of {stored:,} stored",
    )
    section.add(
        "DynamoDB calls per ReportData page",
        pages.calls / max(len(pages.spent), 1),
        note="registry GetItem, one Query, a PutItem per image reference handed out",
    )


def _add(
    section: Section,
    label: str,
    samples: list[float],
    *,
    target_ms: int,
    first: list[float],
    lost: int,
    expected: int,
    problem: str | None = None,
) -> None:
    note = (
        f"{len(samples)} of {expected}"
        + (f"; {lost} LOST" if lost else "")
        + (f"; WRONG: {problem}" if problem else "")
    )
    p50 = percentile(samples, 50) * 1000 if samples else "n/a"
    section.add(f"{label} p50", p50, "ms", note=note)
    p95 = percentile(samples, 95) if samples else float("inf")
    section.add(
        f"{label} p95",
        p95 * 1000 if samples else "n/a",
        "ms",
        target=f"< {target_ms} ms",
        met=p95 * 1000 < target_ms and not lost and problem is None,
    )
    if first:
        section.add(f"{label}: warm-up (first call)", first[0] * 1000, "ms")


def main(argv: list[str]) -> None:
    """`python -m bench.detections SAMPLES STORED OUT`: the section's metrics as JSON in OUT."""
    import warnings

    warnings.filterwarnings("ignore", message="No application metrics to publish")
    samples, stored, out = int(argv[0]), int(argv[1]), Path(argv[2])
    with tempfile.TemporaryDirectory(prefix="bench-localcloud-") as state_dir:
        section = asyncio.run(_run(samples, stored, Path(state_dir)))
    out.write_text(json.dumps(section.model_dump(mode="json")))


if __name__ == "__main__":
    main(sys.argv[1:])
