"""The per-channel plan and the rate limiter, without AWS."""

from __future__ import annotations

import itertools

import pytest

from functions.common.registry import channel_tags
from functions.common.registry.store import Device, DeviceStatus
from functions.tag_rotation.budget import OutOfTime
from functions.tag_rotation.plan import desired_tags, plan
from functions.tag_rotation.rate_limit import JITTER_SLACK, RateLimiter
from tests.rotation.support import ENVIRONMENT, owner_of, static_tags

DESIRED = static_tags("d1") | channel_tags.rotating_tags("g2", "2025-02-01T00:00:00Z")


def test_desired_tags_are_the_static_set_plus_the_rotating_pair() -> None:
    device = Device(device_id="d1", owner_id=owner_of("d1"))
    assert desired_tags(device, ENVIRONMENT, "g2", "2025-02-01T00:00:00Z") == DESIRED
    assert all(channel_tags.is_managed(key) for key in DESIRED)
    with pytest.raises(ValueError, match="tombstone"):
        desired_tags(Device(device_id="d1", status=DeviceStatus.DEREGISTERED), ENVIRONMENT, "g", "t")


def test_plan_tags_missing_and_changed_keys_and_untags_only_stale_managed_ones() -> None:
    current = {
        channel_tags.DEVICE_TAG: "d1",
        channel_tags.ENVIRONMENT_TAG: "prod",  # changed
        channel_tags.GENERATION_TAG: "g1",  # rotates
        "camera:legacy": "x",  # stale
        "team": "video",  # foreign
    }
    result = plan(current, DESIRED)
    assert result.to_tag == {k: v for k, v in DESIRED.items() if k != channel_tags.DEVICE_TAG}
    assert result.to_untag == ["camera:legacy"]
    assert result.fits and not result.unchanged and not result.rotating_only


def test_plan_of_a_channel_already_right_writes_nothing() -> None:
    result = plan(DESIRED | {"team": "video"}, DESIRED)
    assert result.unchanged and result.fits


def test_plan_with_only_rotating_changes_is_rotating_only() -> None:
    current = DESIRED | {channel_tags.GENERATION_TAG: "g1", channel_tags.ROTATED_AT_TAG: "old"}
    result = plan(current, DESIRED)
    assert result.rotating_only
    assert set(result.to_tag) == {channel_tags.GENERATION_TAG, channel_tags.ROTATED_AT_TAG}


@pytest.mark.parametrize(("foreign_count", "fits"), [(44, True), (45, False)])
def test_foreign_tags_decide_whether_the_managed_set_fits(foreign_count: int, fits: bool) -> None:
    # 6 managed keys: 44 foreign + 6 = 50 fits; 45 + 6 = 51 does not, and stale keys do not count.
    current = {f"f{i}": "v" for i in range(foreign_count)} | {"camera:old-a": "1", "camera:old-b": "2"}
    assert plan(current, DESIRED).fits is fits


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def starts(limiter_rate: int, burst: int, count: int) -> list[float]:
    clock = FakeClock()
    limiter = RateLimiter(limiter_rate, burst, clock=clock, sleep=clock.sleep)
    result = []
    for _ in range(count):
        limiter.acquire()
        result.append(clock.now)
    return result


def test_burst_one_spaces_calls_evenly_below_the_rate() -> None:
    times = starts(40, 1, 81)
    gaps = {round(b - a, 9) for a, b in itertools.pairwise(times)}
    assert gaps == {round((1 + JITTER_SLACK) / 40, 9)}
    assert max(sum(1 for t in times if start <= t < start + 1) for start in times) <= 40


def test_a_channel_burst_goes_back_to_back_but_a_sixth_call_waits_a_second() -> None:
    times = starts(5, 5, 11)
    assert times[:5] == [0.0] * 5
    assert times[5] == pytest.approx(1 + JITTER_SLACK)
    assert times[10] == pytest.approx(2 * (1 + JITTER_SLACK))


class OversleepingClock(FakeClock):
    """A loaded machine: every other sleep ends `late` seconds after it should."""

    def __init__(self, late: float) -> None:
        super().__init__()
        self.late = late
        self.sleeps = 0

    def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        self.now += seconds + (self.late if self.sleeps % 2 else 0.0)


def test_an_oversleeping_thread_does_not_compress_the_next_gap() -> None:
    # Gaps are measured from when calls were actually let through, not from reserved slots, so a
    # late wake-up delays the calls after it instead of squeezing them together.
    clock = OversleepingClock(late=0.06)
    limiter = RateLimiter(10, 1, clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(30):
        limiter.acquire()
        times.append(clock.now)
    window = (1 + JITTER_SLACK) / 10
    assert min(b - a for a, b in itertools.pairwise(times)) >= window - 1e-9
    assert max(sum(1 for t in times if start <= t < start + 1) for start in times) <= 10


def test_a_slot_after_the_cutoff_is_refused_without_waiting_or_taking_it() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1, 1, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    with pytest.raises(OutOfTime):
        limiter.acquire(until=0.5)  # the next slot is 1.05 s away
    assert clock.now == 0.0
    assert limiter.acquire(until=2.0) == pytest.approx(1 + JITTER_SLACK)  # the refused call took no slot


class LateClock(FakeClock):
    """A loaded machine: every sleep ends 1 ms after it should."""

    def sleep(self, seconds: float) -> None:
        self.now += seconds + 0.001


@pytest.mark.parametrize(("rate", "burst"), [(40, 1), (50, 2), (150, 7)])
def test_an_account_limiter_bursts_as_far_as_its_rate_allows(rate: int, burst: int) -> None:
    clock = LateClock()
    limiter = RateLimiter.account_wide(rate, clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(rate * 5):
        limiter.acquire()
        times.append(clock.now)
    assert times[: burst + 1].count(0.0) == burst
    assert max(sum(1 for t in times if start <= t < start + 1) for start in times) <= rate


def test_an_account_limiter_keeps_its_rate_through_late_wake_ups() -> None:
    # Burst 1 at 150/s with 1 ms late wake-ups: 1 / (7 ms + 1 ms), 83 % of the rate.
    clock = LateClock()
    limiter = RateLimiter.account_wide(150, clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(750):
        limiter.acquire()
        times.append(clock.now)
    assert (len(times) - 1) / (times[-1] - times[0]) >= 0.9 * 150
