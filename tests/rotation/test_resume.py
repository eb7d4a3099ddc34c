"""Runs that outlast their time budget resume exactly where they stopped; runs never overlap."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter

import boto3
import pytest

from functions.common.deadline import Deadline
from functions.common.registry import channel_tags
from functions.tag_rotation import logic
from functions.tag_rotation.settings import RotationSettings
from functions.tag_rotation.summary import RunStatus, RunSummary
from localcloud import kvs
from tests.rotation.support import Fleet, calls_per_channel, rotation_calls, static_tags

SIZE = 60
WORKERS = 2


@pytest.fixture
def slow_fleet(fleet: Fleet, monkeypatch: pytest.MonkeyPatch) -> Fleet:
    """Small pages, two workers and 100 ms reads: a run (3 s of reads) outlasts a 2 s budget.

    The budget leaves room for start-up (lease, registry scan) on a loaded machine: nothing is
    started after the invocation's cutoff, so a budget start-up eats whole does no work.
    """
    for i in range(SIZE):
        fleet.camera(f"s{i:03d}", {channel_tags.DEVICE_TAG: f"s{i:03d}"})
    monkeypatch.setenv("ROTATION_PAGE_SIZE", "7")
    monkeypatch.setenv("ROTATION_WORKERS", str(WORKERS))
    kvs.inject("ListTagsForResource", latency_s=0.1)
    kvs.clear_calls()
    return fleet


def run_to_completion(settings: RotationSettings, budget_s: float) -> list[RunSummary]:
    summaries = [logic.run(settings, Deadline(budget_s))]
    while not summaries[-1].complete:
        assert summaries[-1].status is RunStatus.PARTIAL
        assert len(summaries) < 100, "no progress"
        summaries.append(logic.run(settings, Deadline(budget_s), run_id=summaries[-1].run_id))
    return summaries


def assert_rotated_once(fleet: Fleet, summary: RunSummary, *, reads: int = 1) -> None:
    """Every channel read (at most `reads` times) and tagged once, and it carries the run's tags."""
    per_channel = calls_per_channel(rotation_calls())
    for name, arn in fleet.arns.items():
        assert 1 <= per_channel[(arn, "ListTagsForResource")] <= reads, name
        assert per_channel[(arn, "TagResource")] == 1, name
        tags = fleet.tags(name)
        assert tags[channel_tags.GENERATION_TAG] == summary.generation
        assert static_tags(name.removeprefix("alexa-cam-")).items() <= tags.items()


def test_run_cut_by_its_budget_resumes_without_missing_or_repeating(slow_fleet: Fleet) -> None:
    summaries = run_to_completion(RotationSettings.load(), budget_s=2.0)

    final = summaries[-1]
    assert len(summaries) >= 2
    assert len({s.run_id for s in summaries}) == 1
    assert final.invocations == len(summaries)
    assert final.channels_seen == SIZE and final.updated == SIZE and final.unchanged == 0
    assert [s.channels_seen for s in summaries] == sorted(s.channels_seen for s in summaries)
    # A channel whose read was done when the cutoff came is read again by the next invocation
    # (nothing starts after the cutoff): at most one per worker and invocation, never written twice.
    assert_rotated_once(slow_fleet, final, reads=2)
    reread = final.calls["ListTagsForResource"] - SIZE  # totals carried across invocations
    assert 0 <= reread <= (len(summaries) - 1) * WORKERS


def test_rejected_listing_token_restarts_without_rewriting(
    slow_fleet: Fleet, rotation_env: dict[str, str]
) -> None:
    settings = RotationSettings.load()
    table = rotation_env["ROTATION_STATE_TABLE_NAME"]
    # Until the checkpoint holds a listing token (past the first page), however loaded the machine.
    first = logic.run(settings, Deadline(1.0))
    while first.status is RunStatus.PARTIAL and '"next_token":"' not in _state_body(table):
        first = logic.run(settings, Deadline(1.0), run_id=first.run_id)
    assert first.status is RunStatus.PARTIAL and 0 < first.channels_seen < SIZE
    _corrupt_listing_token(table)

    summaries = [first, *run_to_completion(settings, budget_s=60)]

    final = summaries[-1]
    assert final.listing_restarts == 1
    # Channels done before the restart are read again but carry this run's tags: no write.
    assert final.unchanged == first.channels_seen
    assert final.updated == SIZE
    writes = Counter(c.channel_arn for c in rotation_calls() if c.operation == "TagResource")
    assert set(writes.values()) == {1} and len(writes) == SIZE


def _state_body(table: str) -> str:
    items = boto3.client("dynamodb").scan(TableName=table)["Items"]
    return str(items[0]["body"]["S"])


def _corrupt_listing_token(table: str) -> None:
    """What a token KVS no longer accepts looks like to the next invocation."""
    ddb = boto3.client("dynamodb")
    item = ddb.scan(TableName=table)["Items"][0]
    body = item["body"]["S"]
    assert '"next_token":"' in body
    start = body.index('"next_token":"') + len('"next_token":"')
    item["body"]["S"] = body[:start] + "~not~a~token~" + body[body.index('"', start) :]
    ddb.put_item(TableName=table, Item=item)


def test_concurrent_runs_do_not_double_the_work(slow_fleet: Fleet) -> None:
    settings = RotationSettings.load()
    barrier = threading.Barrier(2)
    results: list[RunSummary] = []

    def start() -> None:
        barrier.wait()
        results.append(logic.run(settings))

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = sorted(s.status for s in results)
    assert statuses == sorted([RunStatus.COMPLETE, RunStatus.SKIPPED])
    done = next(s for s in results if s.complete)
    assert all(s.run_id == done.run_id for s in results)
    assert_rotated_once(slow_fleet, done)


def test_a_run_in_progress_blocks_new_runs_until_released(
    slow_fleet: Fleet, rotation_env: dict[str, str]
) -> None:
    settings = RotationSettings.load()
    kvs.inject("ListSignalingChannels", latency_s=0.5, times=1)
    result: list[RunSummary] = []
    worker = threading.Thread(target=lambda: result.append(logic.run(settings)))
    worker.start()
    _wait_for_claim(rotation_env["ROTATION_STATE_TABLE_NAME"])
    # The run is claimed and its first listing is slow: these calls must not start a second run.
    blocked = [logic.run(settings) for _ in range(2)]
    stale = logic.run(settings, run_id="0" * 32)
    worker.join(timeout=60)

    assert result[0].complete
    assert [s.status for s in [*blocked, stale]] == [RunStatus.SKIPPED] * 3
    assert all(s.calls == {} for s in [*blocked, stale])
    assert_rotated_once(slow_fleet, result[0])
    # The finished run does not come back: a continuation of it is skipped, a new call starts anew.
    assert logic.run(settings, run_id=result[0].run_id).status is RunStatus.SKIPPED
    assert logic.run(settings).run_id != result[0].run_id


def _wait_for_claim(table: str) -> None:
    ddb = boto3.client("dynamodb")
    deadline = time.monotonic() + 10
    while not ddb.scan(TableName=table)["Items"]:
        assert time.monotonic() < deadline, "the run never claimed its lease"
        time.sleep(0.01)


def test_a_budget_shorter_than_the_stop_margin_still_makes_progress(
    slow_fleet: Fleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROTATION_STOP_MARGIN_SECONDS", "30")  # the default, with a 2 s budget
    summaries = run_to_completion(RotationSettings.load(), budget_s=2.0)
    seen = [0, *(s.channels_seen for s in summaries)]
    assert all(later > earlier for earlier, later in itertools.pairwise(seen))  # every call progressed
    assert seen[-1] == SIZE
