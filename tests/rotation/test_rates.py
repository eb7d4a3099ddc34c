"""Rotation stays under its configured rates and survives the emulation's throttling."""

from __future__ import annotations

from collections import defaultdict

import pytest

from functions.tag_rotation import logic
from functions.tag_rotation.settings import RotationSettings
from functions.tag_rotation.summary import RunStatus
from localcloud import kvs
from tests.rotation.support import ROTATION_OPERATIONS, Fleet, peak_per_window, rotation_calls, static_tags

THROTTLED = "ClientLimitExceededException"


def stale_fleet(fleet: Fleet, size: int) -> None:
    """Every channel needs a read, an untag and a tag."""
    for i in range(size):
        fleet.camera(f"r{i:03d}", static_tags(f"r{i:03d}") | {"camera:stale": "1"})


def assert_every_throttle_retried(records: list[kvs.CallRecord]) -> None:
    """Each throttled call is followed by a successful call of the same operation and channel."""
    last_outcome: dict[tuple[str, str | None], str] = {}
    for record in sorted(records, key=lambda r: r.timestamp):
        last_outcome[(record.operation, record.channel_arn)] = record.outcome
    assert THROTTLED not in last_outcome.values()


def test_configured_rate_is_never_exceeded_with_quotas_on(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale_fleet(fleet, 30)
    tps = 10
    monkeypatch.setenv("ROTATION_MAX_TPS", str(tps))
    kvs.enable_quotas()
    # Throttles the service answers anyway (another tool sharing the account's quota).
    kvs.inject("TagResource", error=THROTTLED, times=4)
    kvs.inject("ListTagsForResource", error=THROTTLED, times=3)
    kvs.clear_calls()

    summary = logic.run(RotationSettings.load())

    records = rotation_calls()
    assert summary.status is RunStatus.COMPLETE
    assert summary.updated == 30 and summary.failed == 0
    assert summary.throttles == 7 == sum(r.outcome == THROTTLED for r in records)
    assert_every_throttle_retried(records)
    by_operation: dict[str, list[float]] = defaultdict(list)
    by_channel: dict[tuple[str, str | None], list[float]] = defaultdict(list)
    for record in records:
        by_operation[record.operation].append(record.timestamp)
        by_channel[(record.operation, record.channel_arn)].append(record.timestamp)
    assert set(by_operation) == set(ROTATION_OPERATIONS)
    for operation, stamps in by_operation.items():
        assert peak_per_window(stamps) <= tps, operation
    # 30 calls of an operation at 10 TPS cannot take less than about 2.9 s.
    assert max(by_operation["TagResource"]) - min(by_operation["TagResource"]) >= 2.5
    assert max(peak_per_window(stamps) for stamps in by_channel.values()) <= 5


def test_throttling_above_the_quota_is_retried_until_done(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Configured far above the quota on purpose: the service throttles, rotation retries. The
    quotas are scaled to a fifth (10 TPS) so that even a slow or loaded machine goes over them."""
    channels = 60
    stale_fleet(fleet, channels)
    monkeypatch.setenv("ROTATION_MAX_TPS", "400")
    monkeypatch.setenv("ROTATION_WORKERS", "32")
    # 32 workers on 10 TPS: a call may lose the race many times in a row; it must still get through.
    monkeypatch.setenv("ROTATION_MAX_ATTEMPTS", "20")
    kvs.enable_quotas(scale=0.2)
    kvs.clear_calls()

    summary = logic.run(RotationSettings.load())

    records = rotation_calls()
    throttled = sum(r.outcome == THROTTLED for r in records)
    assert summary.status is RunStatus.COMPLETE
    assert summary.updated == channels and summary.failed == 0
    assert throttled > 0 and summary.throttles == throttled
    assert_every_throttle_retried(records)
    ok = [r.timestamp for r in records if r.outcome == "ok" and r.operation == "ListTagsForResource"]
    assert len(ok) == channels


def test_channel_errors_are_reported_and_server_errors_retried(fleet: Fleet) -> None:
    stale_fleet(fleet, 6)
    kvs.inject("UntagResource", error="InternalFailure", status=500, times=2)
    kvs.inject("ListTagsForResource", error="ResourceNotFoundException", times=1)
    kvs.inject("TagResource", error="AccessDeniedException", times=1)
    kvs.clear_calls()

    summary = logic.run(RotationSettings.load())

    assert summary.complete and summary.channels_seen == 6
    assert summary.vanished == 1 and summary.failed == 1 and summary.updated == 4
    assert len(summary.failed_names) == 1 and summary.throttles == 0
    untags = [r for r in rotation_calls() if r.operation == "UntagResource"]
    assert [r.outcome for r in untags].count("InternalFailure") == 2
    assert sum(r.outcome == "ok" for r in untags) == 5  # every channel it reached, despite the 500s


def test_the_next_page_is_listed_while_a_page_rotates(fleet: Fleet, monkeypatch: pytest.MonkeyPatch) -> None:
    # Listing only after a page's last channel left the per-channel operations idle between pages.
    stale_fleet(fleet, 15)
    monkeypatch.setenv("ROTATION_PAGE_SIZE", "5")
    monkeypatch.setenv("ROTATION_MAX_TPS", "10")
    kvs.clear_calls()

    summary = logic.run(RotationSettings.load())

    assert summary.status is RunStatus.COMPLETE and summary.updated == 15
    records = sorted(rotation_calls(), key=lambda r: r.timestamp)
    listings = [r.timestamp for r in records if r.operation == "ListSignalingChannels"]
    tags = [r.timestamp for r in records if r.operation == "TagResource"]
    assert listings[1] < tags[4]  # page 2 listed before page 1's five channels were all tagged
