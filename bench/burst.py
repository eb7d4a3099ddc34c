"""A fleet registering at once: N DeviceRegistered events on the lifecycle queue, consumed as
Lambda's SQS event source mapping would, with the KVS emulation's quotas on.

The queue is the local cloud's real one (moto's SQS, created by `localcloud.aws.bootstrap` with the
production visibility timeout and redrive policy). Each of the mapping's concurrent batches is a
separate process (a Lambda container of its own: its own clients, its own Powertools singletons)
that loops like the mapping's poller: ReceiveMessage of up to the batch size, the real handler
with a context carrying the production timeout, DeleteMessage of the successes; a batch item
failure stays invisible until the visibility timeout passes and is received again, and the
redrive policy moves it to the dead-letter queue after its last receive.
"""

from __future__ import annotations

import multiprocessing
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench import emulated
from bench.report import Section

# The production values, read from the same definitions the CDK construct uses.
from functions.common.queue_schema import (
    BATCH_SIZE,
    LIFECYCLE_FUNCTION_TIMEOUT_SECONDS,
    MAX_CONCURRENCY,
    VISIBILITY_TIMEOUT_SECONDS,
)

# KVS's CreateSignalingChannel quota per account and region: the burst cannot beat N / 50 s.
CREATE_TPS = 50
POLL_WAIT_S = 1


@dataclass(frozen=True)
class Poller:
    """What one emulated event source mapping poller needs (pickled into its process)."""

    env: dict[str, str]
    queue_url: str
    queue_arn: str
    batch_size: int
    timeout_s: float
    visibility_timeout_s: int
    give_up_at: float  # time.time() after which the poller stops even if the queue is not empty


@dataclass
class Tally:
    invocations: int = 0
    records: int = 0
    failures: int = 0  # batch item failures: records that will come back


@dataclass
class Outcome:
    events: int
    workers: int
    batch_size: int
    visibility_timeout_s: int
    seconds: float
    throttles: int
    retried: int
    dead_letters: int
    channels: int
    registry_entries: int
    invocations: int
    quota_scale: float

    @property
    def floor_s(self) -> float:
        """The quota's floor: N creates at CreateSignalingChannel's (scaled) account quota."""
        return self.events / (CREATE_TPS * self.quota_scale)


def poll(poller: Poller, ready: Any, go: Any, results: Any) -> None:
    """One poller's loop, in its own process, until the queue holds nothing, visible or not.

    The container is warmed first (handler imported, `ready` set), then waits for `go`: the
    duration is the burst's, not the interpreters' start under a loaded machine."""
    import os

    os.environ.update(poller.env)
    import boto3

    from bench import sink
    from functions.device_lifecycle.handler import handler
    from localcloud.aws.invoke import sqs_event
    from localcloud.aws.lambda_context import LambdaContext

    sqs = boto3.client("sqs")
    region = poller.env["AWS_DEFAULT_REGION"]
    tally = Tally()
    ready.release()
    go.wait()
    while time.time() < poller.give_up_at:
        messages = sqs.receive_message(
            QueueUrl=poller.queue_url,
            MaxNumberOfMessages=poller.batch_size,
            MessageSystemAttributeNames=["All"],
            VisibilityTimeout=poller.visibility_timeout_s,
            WaitTimeSeconds=POLL_WAIT_S,
        ).get("Messages", [])
        if not messages:
            if _drained(sqs, poller.queue_url):
                break
            continue
        context = LambdaContext(function_name="device-lifecycle", timeout_s=poller.timeout_s)
        with sink.discard_output():
            response = handler(sqs_event(messages, poller.queue_arn, region), context)
        failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=poller.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        tally.invocations += 1
        tally.records += len(messages)
        tally.failures += len(failed)
    results.put(tally)


def _drained(sqs: Any, queue_url: str) -> bool:
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return (
        int(attributes["ApproximateNumberOfMessages"])
        + int(attributes["ApproximateNumberOfMessagesNotVisible"])
        == 0
    )


def _enqueue(sqs: Any, queue_url: str, env: dict[str, str], events: int, fleet: str) -> None:
    import json

    from bench import scenarios

    bodies = [json.dumps(scenarios.registration(env, f"{fleet}-{i:05d}")) for i in range(events)]
    for start in range(0, events, 10):
        entries = [{"Id": str(i), "MessageBody": b} for i, b in enumerate(bodies[start : start + 10])]
        sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)


def _dead_letters(sqs: Any, dlq_url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def _count_channels(kvs_client: Any, name_prefix: str) -> int:
    count = 0
    pages = kvs_client.get_paginator("list_signaling_channels").paginate(
        ChannelNameCondition={"ComparisonOperator": "BEGINS_WITH", "ComparisonValue": name_prefix}
    )
    for page in pages:
        count += len(page.get("ChannelInfoList", []))
    return count


def _count_registered(ddb: Any, table: str, fleet: str) -> int:
    count = 0
    kwargs: dict[str, Any] = {
        "TableName": table,
        "FilterExpression": "attribute_exists(channelArn) AND begins_with(deviceId, :fleet)",
        "ExpressionAttributeValues": {":fleet": {"S": f"{fleet}-"}},
    }
    while True:
        page = ddb.scan(**kwargs)
        count += page["Count"]
        if "LastEvaluatedKey" not in page:
            return count
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def run(events: int, **options: Any) -> Outcome:
    """Enqueue `events` registrations on a fresh local cloud and drain them (`options` as for
    `drain`: workers, batch size, visibility timeout, quotas), counting what is left."""
    with emulated.server() as cloud:
        return drain(cloud, events, **options)


def drain(
    cloud: emulated.Cloud,
    events: int,
    *,
    workers: int = MAX_CONCURRENCY,
    batch_size: int = BATCH_SIZE,
    visibility_timeout_s: int = VISIBILITY_TIMEOUT_SECONDS,
    timeout_s: float = LIFECYCLE_FUNCTION_TIMEOUT_SECONDS,
    quota_scale: float = 1.0,
    give_up_s: float = 1800,
    channels_of: Callable[[str], int] | None = None,
) -> Outcome:
    """The burst on a running emulated server: `channels_of(name_prefix)` counts the burst's
    channels (default: those of the control account)."""
    import boto3

    from localcloud import kvs

    assert cloud.endpoint_url is not None
    env = {**emulated.environ.FAKE_AWS, **cloud.env, "AWS_ENDPOINT_URL": cloud.endpoint_url}
    sqs, ddb = boto3.client("sqs"), boto3.client("dynamodb")
    queue_url, dlq_url = env["LIFECYCLE_QUEUE_URL"], env["LIFECYCLE_DLQ_URL"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    # The emulation is process-wide: other benchmarks' cameras may share it, so this burst's
    # devices carry their own prefix, and only they are counted.
    fleet = f"burst{uuid.uuid4().hex[:6]}"
    _enqueue(sqs, queue_url, env, events, fleet)
    dead_before = _dead_letters(sqs, dlq_url)
    kvs.clear_calls()
    kvs.enable_quotas(quota_scale)
    poller = Poller(
        env=env,
        queue_url=queue_url,
        queue_arn=queue_arn,
        batch_size=batch_size,
        timeout_s=timeout_s,
        visibility_timeout_s=visibility_timeout_s,
        give_up_at=time.time() + give_up_s,
    )
    # spawn: a fresh interpreter per container (this process runs the moto server's threads).
    context = multiprocessing.get_context("spawn")
    ready, go, results = context.Semaphore(0), context.Event(), context.Queue()
    processes = [context.Process(target=poll, args=(poller, ready, go, results)) for _ in range(workers)]
    for process in processes:
        process.start()
    for _ in processes:
        ready.acquire()
    started = time.perf_counter()
    go.set()
    tallies: list[Tally] = [results.get(timeout=give_up_s + 60) for _ in processes]
    seconds = time.perf_counter() - started
    for process in processes:
        process.join()
    kvs.disable_quotas()
    throttles = sum(1 for c in kvs.calls() if c.outcome == "ClientLimitExceededException")
    name_prefix = f"{env['CHANNEL_NAME_PREFIX']}{fleet}-"
    if channels_of is None:
        channels = _count_channels(boto3.client("kinesisvideo"), name_prefix)
    else:
        channels = channels_of(name_prefix)
    return Outcome(
        events=events,
        workers=workers,
        batch_size=batch_size,
        visibility_timeout_s=visibility_timeout_s,
        seconds=seconds,
        throttles=throttles,
        retried=sum(t.failures for t in tallies),
        dead_letters=_dead_letters(sqs, dlq_url) - dead_before,
        channels=channels,
        registry_entries=_count_registered(ddb, env["REGISTRY_TABLE_NAME"], fleet),
        invocations=sum(t.invocations for t in tallies),
        quota_scale=quota_scale,
    )


METHOD = (
    "{n} DeviceRegistered events (EventBridge envelopes) sent to the local cloud's lifecycle queue "
    "(moto server, created by localcloud.aws.bootstrap: production visibility timeout {vis} s, redrive "
    "to the dead-letter queue after {receives} receives), then drained by {workers} pollers, one "
    "spawned process each (the event source mapping's maximum concurrency), receiving up to "
    "{batch} messages (its batch size), invoking the real handler with a context of the function's "
    "{timeout} s timeout, deleting the successes; batch item failures come back after the "
    "visibility timeout. KVS quotas on (localcloud.kvs.enable_quotas). The pollers import the "
    "handler before the clock starts. Floor: N / CreateSignalingChannel's 50 TPS account quota. "
    "A second run scales every quota to {scale:g}x so that the pollers, slowed by this shared "
    "machine, still outrun the quota several times over, as a fleet would on AWS."
)


def _add(section: Section, label: str, outcome: Outcome) -> None:
    section.add(
        f"{label}: duration",
        outcome.seconds,
        "s",
        note=f"{outcome.events} events; quota floor {outcome.floor_s:.1f} s "
        f"({outcome.seconds / outcome.floor_s:.2f}x); {outcome.invocations} invocations",
    )
    section.add(f"{label}: throttles seen", outcome.throttles, note="ClientLimitExceededException answers")
    section.add(f"{label}: records retried", outcome.retried, note="batch item failures (redeliveries)")
    section.add(f"{label}: dead letters", outcome.dead_letters, target="0", met=outcome.dead_letters == 0)
    converged = outcome.channels == outcome.registry_entries == outcome.events
    section.add(
        f"{label}: channels / registry entries",
        f"{outcome.channels} / {outcome.registry_entries}",
        target=f"{outcome.events} / {outcome.events}",
        met=converged,
    )


def measure(events: int, scaled_events: int, scale: float) -> Section:
    from functions.common.queue_schema import MAX_RECEIVE_COUNT

    section = Section(
        title="Registration burst",
        method=METHOD.format(
            n=events,
            vis=VISIBILITY_TIMEOUT_SECONDS,
            receives=MAX_RECEIVE_COUNT,
            workers=MAX_CONCURRENCY,
            batch=BATCH_SIZE,
            timeout=LIFECYCLE_FUNCTION_TIMEOUT_SECONDS,
            scale=scale,
        ),
    )
    _add(section, "production quotas", run(events))
    _add(section, f"quotas x{scale:g}", run(scaled_events, quota_scale=scale))
    return section
