"""Presence and doorbells: a device event entering the presence queue → the presence function →
the events queue → the events function → the emulated gateway's 202, with the production pollers."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from bench import emulated, environ, sink
from bench.report import Section
from bench.stats import percentile

USER = "bench-user"
# Events arrive spaced out, as presence changes of a fleet do: this measures latency, not a backlog.
SPACING_S = 0.05
LONG_POLL_S = 1
# How long the last event may take before the missing ones count as lost.
WAIT_S = 10.0
METHOD = (
    "moto in process; the emulated LWA and event gateway on a loopback HTTP server in a thread "
    "(schema validation of every event included). {n} linked doorbell cameras, connected. Two "
    "poller threads stand in for the event source mappings, with the production settings: the "
    "presence queue in batches of up to {presence_batch} with no batching window, the events queue "
    "in batches of up to {events_batch}, both long-polling. One DeviceDisconnected per camera, "
    "{spacing} ms apart, then one DoorbellPressed per camera; each latency runs from the "
    "SendMessage to the presence queue to the gateway's 202 for that camera's ChangeReport or "
    "DoorbellPress."
)


def measure(cameras: int) -> Section:
    from functions.alexa_events.dependencies import dependencies as events_dependencies
    from functions.common.queue_schema import ALEXA_EVENTS_BATCH_SIZE, PRESENCE_BATCH_SIZE
    from functions.device_presence.dependencies import dependencies as presence_dependencies
    from localcloud.alexa.cloud import AlexaCloud
    from localcloud.aws.bootstrap import client_credentials
    from localcloud.loopback import LoopbackServer

    section = Section(
        title="Presence and doorbells",
        method=METHOD.format(
            n=cameras,
            presence_batch=PRESENCE_BATCH_SIZE,
            events_batch=ALEXA_EVENTS_BATCH_SIZE,
            spacing=round(SPACING_S * 1000),
        ),
    )
    with emulated.in_process() as cloud:
        alexa = AlexaCloud(client_credentials(cloud.env["ALEXA_CLIENT_SECRET_ID"]))
        accepted = _timestamps(alexa)
        with LoopbackServer(alexa.routes()) as server:
            urls = {
                "LWA_TOKEN_URL": f"{server.url}/auth/o2/token",
                "ALEXA_EVENT_GATEWAY_URL": f"{server.url}/v3/events",
            }
            with environ.patched(urls), sink.discard_output():
                events_dependencies.cache_clear()
                presence_dependencies.cache_clear()
                devices = _seed(cloud.env, alexa, urls["LWA_TOKEN_URL"], cameras)
                with _pollers(cloud.env, PRESENCE_BATCH_SIZE, ALEXA_EVENTS_BATCH_SIZE):
                    down = _latencies(cloud.env, devices, "DeviceDisconnected", "ChangeReport", accepted)
                    press = _latencies(cloud.env, devices, "DoorbellPressed", "DoorbellPress", accepted)
                events_dependencies.cache_clear()
                presence_dependencies.cache_clear()
    for label, samples, target in (
        ("DeviceDisconnected → ChangeReport accepted", down, 3.0),
        ("DoorbellPressed → DoorbellPress accepted", press, 1.0),
    ):
        lost = cameras - len(samples)
        note = f"{len(samples)} of {cameras} reached the gateway" + (f"; {lost} LOST" if lost else "")
        section.add(f"{label} p50", percentile(samples, 50) * 1000 if samples else "n/a", "ms", note=note)
        p95 = percentile(samples, 95) if samples else float("inf")
        section.add(
            f"{label} p95",
            p95 * 1000 if samples else "n/a",
            "ms",
            target=f"< {target * 1000:.0f} ms",
            met=p95 < target and not lost,
        )
    return section


def _timestamps(alexa: Any) -> dict[tuple[str, str], float]:
    """When the gateway accepted each (event name, endpointId), on this process's clock."""
    accepted: dict[tuple[str, str], float] = {}
    apply = alexa.gateway._apply

    def timed(user: str, message: dict[str, Any]) -> None:
        apply(user, message)
        event = message["event"]
        endpoint = event.get("endpoint", {}).get("endpointId")
        if endpoint is not None:
            accepted.setdefault((event["header"]["name"], endpoint), time.perf_counter())

    alexa.gateway._apply = timed
    return accepted


def _seed(env: dict[str, str], alexa: Any, lwa_url: str, cameras: int) -> list[str]:
    """The user linked (a real code exchange); connected doorbells Alexa already heard OK for."""
    from functions.alexa_skill.account_grants import AccountGrants
    from functions.common import aws_clients
    from functions.common.alexa.credentials import credentials_reader
    from functions.common.alexa.grants import GrantStore
    from functions.common.alexa.lwa import LoginWithAmazon
    from functions.common.deadline import Deadline
    from functions.common.registry.store import Connectivity, Device, Registry, event_time_key

    dynamodb = aws_clients.client("dynamodb")
    secrets = aws_clients.client("secretsmanager")
    lwa = LoginWithAmazon(lwa_url, credentials_reader(env["ALEXA_CLIENT_SECRET_ID"], secrets))
    AccountGrants(GrantStore(env["GRANTS_TABLE_NAME"], dynamodb), lwa).accept(
        USER, alexa.lwa.issue_code(USER), Deadline(10)
    )
    registry = Registry(env["REGISTRY_TABLE_NAME"], dynamodb)
    now = datetime.now(UTC)
    devices = [f"door-{i:04d}" for i in range(cameras)]
    for device_id in devices:
        registry.put_if_newer(
            Device(
                device_id=device_id,
                owner_id=USER,
                doorbell=True,
                last_event_time="2026-01-01T00:00:00.000000Z",
                last_event_id=uuid.uuid4().hex,
            )
        )
        key = (event_time_key(now), uuid.uuid4().hex)
        registry.record_presence(
            device_id, Connectivity.OK, key, "PHYSICAL_INTERACTION", connected_at=int(now.timestamp())
        )
        registry.record_reported(device_id, Connectivity.OK)
    return devices


@contextmanager
def _pollers(env: dict[str, str], presence_batch: int, events_batch: int) -> Iterator[None]:
    """The two event source mappings: long-poll, hand a batch to the handler, delete what passed."""
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=_poll, args=(env["PRESENCE_QUEUE_URL"], "device-presence", presence_batch, stop)
        ),
        threading.Thread(
            target=_poll, args=(env["ALEXA_EVENTS_QUEUE_URL"], "alexa-events", events_batch, stop)
        ),
    ]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join()


def _poll(queue_url: str, function: str, batch_size: int, stop: threading.Event) -> None:
    from functions.common import aws_clients
    from localcloud.aws.invoke import call, sqs_event

    sqs = aws_clients.client("sqs")
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    while not stop.is_set():
        messages = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=batch_size, WaitTimeSeconds=LONG_POLL_S
        ).get("Messages", [])
        if not messages:
            continue
        result = call(function, sqs_event(messages, arn, "us-east-1"), 60.0) or {}
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )


def _latencies(
    env: dict[str, str],
    devices: list[str],
    detail_type: str,
    accepted_as: str,
    accepted: dict[tuple[str, str], float],
) -> list[float]:
    """Seconds from SendMessage to the gateway's 202, for each device that got there in time."""
    from functions.common import aws_clients
    from localcloud.aws.device_events import device_event

    sqs = aws_clients.client("sqs")
    sent: dict[str, float] = {}
    for device_id in devices:
        body = json.dumps(device_event(detail_type, {"deviceId": device_id}))
        sent[device_id] = time.perf_counter()
        sqs.send_message(QueueUrl=env["PRESENCE_QUEUE_URL"], MessageBody=body)
        time.sleep(SPACING_S)
    _wait_until(lambda: all((accepted_as, d) in accepted for d in devices), WAIT_S)
    return [accepted[(accepted_as, d)] - sent[d] for d in devices if (accepted_as, d) in accepted]


def _wait_until(done: Callable[[], bool], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not done() and time.monotonic() < deadline:
        time.sleep(0.05)
