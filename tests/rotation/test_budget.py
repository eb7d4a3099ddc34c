"""With KVS slow and throttling, an invocation returns within its time budget and the next resumes."""

from __future__ import annotations

import time
from collections import Counter

import boto3
import pytest

from functions.common.deadline import Deadline
from functions.common.registry import channel_tags
from functions.tag_rotation.budget import Cutoff, OutOfTime
from functions.tag_rotation.paced_kvs import PacedKvs, kvs_client
from functions.tag_rotation.rate_limit import RateLimiter
from functions.tag_rotation.settings import RotationSettings
from localcloud import kvs
from localcloud.aws.lambda_context import LambdaContext
from tests.rotation.support import DEFAULT_CELL, Fleet, rotation_calls, static_tags

SIZE = 40
PAGE = WORKERS = 8  # the first page is one wave of workers, whatever the machine's load
BUDGET_S = 4.0
LATENCY_S = 0.25
THROTTLED = "ClientLimitExceededException"


@pytest.fixture
def slow_throttling_kvs(fleet: Fleet, monkeypatch: pytest.MonkeyPatch) -> Fleet:
    """Every call slow; after the first page, TagResource throttles on every call for a long while."""
    for i in range(SIZE):
        fleet.camera(f"b{i:03d}", static_tags(f"b{i:03d}") | {"camera:stale": "1"})
    monkeypatch.setenv("ROTATION_STOP_MARGIN_SECONDS", "30")  # the default: ¼ of a 4 s budget
    monkeypatch.setenv("ROTATION_PAGE_SIZE", str(PAGE))
    monkeypatch.setenv("ROTATION_WORKERS", str(WORKERS))
    for operation in ("ListSignalingChannels", "ListTagsForResource", "UntagResource"):
        kvs.inject(operation, latency_s=LATENCY_S)
    kvs.inject("TagResource", latency_s=LATENCY_S, times=PAGE)
    kvs.inject("TagResource", error=THROTTLED, latency_s=LATENCY_S, times=10_000)
    kvs.clear_calls()
    return fleet


def test_slow_throttled_invocation_returns_within_budget_and_the_next_resumes(
    slow_throttling_kvs: Fleet,
) -> None:
    from functions.tag_rotation import handler as rotation_handler
    from functions.tag_rotation.dependencies import dependencies

    dependencies.cache_clear()  # a new container, with this test's settings

    started = time.monotonic()
    first = rotation_handler.handler({}, LambdaContext("tag-rotation", timeout_s=BUDGET_S))
    elapsed = time.monotonic() - started

    print(f"first invocation: {elapsed:.3f} s of a {BUDGET_S} s budget")
    # Within the budget itself: the calls in flight at the cutoff and the checkpoint fit before it.
    assert elapsed <= BUDGET_S, f"a {BUDGET_S} s invocation took {elapsed:.2f} s"
    # The first page is done; the channels stuck retrying are not failed, they wait for the next call.
    assert first["status"] == "partial" and first["channelsSeen"] == first["updated"] == PAGE
    assert first["failed"] == 0 and first["throttles"] > 0

    kvs.reset_faults()
    second = rotation_handler.handler({"runId": first["runId"]}, LambdaContext("tag-rotation", timeout_s=60))

    assert second["complete"] is True and second["runId"] == first["runId"] and second["invocations"] == 2
    # Channels done before the checkpoint are not visited again. Those cut while retrying are
    # read again; their stale key is already gone, so only the rotating tags remain to write.
    assert second["channelsSeen"] == SIZE and second["failed"] == second["unchanged"] == 0
    assert second["updated"] + second["rotated"] == SIZE and second["rotated"] > 0
    ok = [r for r in rotation_calls() if r.outcome == "ok"]
    reads = Counter(r.channel_arn for r in ok if r.operation == "ListTagsForResource")
    assert len(reads) == SIZE and max(reads.values()) == 2
    assert sum(reads.values()) == SIZE + second["rotated"]
    tagged = Counter(r.channel_arn for r in ok if r.operation == "TagResource")
    assert set(tagged.values()) == {1} and len(tagged) == SIZE
    for name in slow_throttling_kvs.arns:
        tags = slow_throttling_kvs.tags(name)
        assert tags[channel_tags.GENERATION_TAG] == first["generation"] and "camera:stale" not in tags


def test_a_call_the_slowest_so_far_says_would_end_past_the_cutoff_does_not_start(
    settings: RotationSettings,
) -> None:
    # 1.6 s reads in a 3 s budget: the first read ends at ~1.6 s; a second started then would end
    # past the budget, though it starts well before any fixed reserve (at most a tenth: 0.3 s).
    kvs.inject("ListTagsForResource", latency_s=1.6, times=2)
    arn = boto3.client("kinesisvideo").create_signaling_channel(ChannelName="alexa-cam-slow")["ChannelARN"]
    cutoff = Cutoff(Deadline(3.0))
    paced = PacedKvs(kvs_client(DEFAULT_CELL), account_tps=100, max_attempts=1, cutoff=cutoff)
    kvs.clear_calls()

    paced.list_tags(arn, RateLimiter(5))
    with pytest.raises(OutOfTime):
        paced.list_tags(arn, RateLimiter(5))

    assert [c.operation for c in kvs.calls()] == ["ListTagsForResource"]
