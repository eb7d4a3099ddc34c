"""Which events are believed: the publisher's account, and an event time no later than now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.common.bus.device_events import MAX_FUTURE_SKEW
from functions.common.registry.store import Registry, event_time_key
from functions.common.settings import ConfigurationError
from functions.device_lifecycle.events import DetailType
from functions.device_lifecycle.settings import LifecycleSettings
from localcloud.aws.device_events import device_event
from tests.lifecycle.support import ACCOUNT, channels, event, run

NAME = "alexa-cam-cam-1"


def _at(detail_type: DetailType, when: datetime, owner: str | None = "owner-1", **kw: Any) -> dict[str, Any]:
    detail: dict[str, Any] = {"deviceId": "cam-1"}
    if owner is not None:
        detail["ownerId"] = owner
    return device_event(detail_type, detail, time=when, **{"account": ACCOUNT, **kw})


# --- who may send -------------------------------------------------------------------------


def test_an_event_from_another_account_is_a_bad_record(
    lifecycle: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    assert run(event("DeviceRegistered", "cam-1", 0, owner="owner-1")) == []
    foreign = device_event(
        "DeviceUpdated", {"deviceId": "cam-1", "ownerId": "mallory"}, account="999999999999"
    )
    assert len(run(foreign)) == 1
    device = lifecycle.get("cam-1")
    assert device is not None and device.owner_id == "owner-1"
    assert any("999999999999" in getattr(r, "reason", "") for r in caplog.records)


def test_configured_publisher_accounts_replace_the_own_account(
    lifecycle: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    from functions.device_lifecycle.dependencies import dependencies

    monkeypatch.setenv("DEVICE_EVENT_ACCOUNTS", "210987654321, 222222222222")
    dependencies.cache_clear()
    own = _at("DeviceRegistered", datetime.now(UTC) - timedelta(seconds=30))
    assert len(run(own)) == 1
    assert lifecycle.get("cam-1") is None
    publisher = _at("DeviceRegistered", datetime.now(UTC), account="222222222222")
    assert run(publisher) == []
    assert NAME in channels()


@pytest.mark.parametrize("value", ["12345", "123456789012,abc", "", "123456789012,,"])
def test_a_bad_account_list_fails_at_start_naming_the_variable(value: str) -> None:
    with pytest.raises(ConfigurationError, match="DEVICE_EVENT_ACCOUNTS"):
        LifecycleSettings.load({"REGISTRY_TABLE_NAME": "registry", "DEVICE_EVENT_ACCOUNTS": value})


# --- event time ---------------------------------------------------------------------------


def test_a_future_dated_event_is_rejected_and_never_blocks_a_real_one(
    lifecycle: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    now = datetime.now(UTC)
    assert run(_at("DeviceRegistered", now - timedelta(minutes=1))) == []
    forged = _at("DeviceUpdated", now + timedelta(days=1), owner="mallory")
    assert len(run(forged)) == 1
    assert any("future" in getattr(r, "reason", "") for r in caplog.records)
    device = lifecycle.get("cam-1")
    assert device is not None and device.owner_id == "owner-1"

    assert run(_at("DeviceDeregistered", datetime.now(UTC), owner=None)) == []
    device = lifecycle.get("cam-1")
    assert device is not None and not device.is_active
    assert channels() == {}


def test_a_clock_slightly_ahead_is_within_the_skew(lifecycle: Registry) -> None:
    ahead = datetime.now(UTC) + MAX_FUTURE_SKEW - timedelta(seconds=30)
    assert run(_at("DeviceRegistered", ahead)) == []
    assert NAME in channels()


def test_order_key_orders_every_year() -> None:
    early = datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert event_time_key(early) < event_time_key(datetime(2026, 1, 1, tzinfo=UTC))
    assert event_time_key(datetime(1, 1, 1, tzinfo=UTC)) < event_time_key(early)


def test_an_event_from_year_999_never_overwrites_a_current_owner(lifecycle: Registry) -> None:
    assert run(event("DeviceRegistered", "cam-1", 0, owner="owner-1")) == []
    ancient = _at("DeviceRegistered", datetime(999, 6, 1, tzinfo=UTC), owner="mallory")
    assert run(ancient) == []
    device = lifecycle.get("cam-1")
    assert device is not None and device.owner_id == "owner-1"


def test_a_time_that_leaves_the_calendar_in_utc_is_a_bad_record(lifecycle: Registry) -> None:
    body = event("DeviceRegistered", "cam-1", 0)
    assert len(run({**body, "time": "0001-01-01T00:30:00+01:00"})) == 1
    assert lifecycle.get("cam-1") is None


# --- refused before anything is written, and never quoted at length -------------------------


@pytest.mark.parametrize(
    "envelope",
    [{"id": "i" * 300}, {"source": "s" * 300}, {"account": "1" * 13}],
    ids=["id", "source", "account"],
)
def test_an_oversized_envelope_field_is_refused_before_any_channel_or_item(
    lifecycle: Registry, caplog: pytest.LogCaptureFixture, envelope: dict[str, Any]
) -> None:
    assert len(run(event("DeviceRegistered", "cam-1", 0) | envelope)) == 1
    assert lifecycle.get("cam-1") is None
    assert NAME not in channels()
    (error,) = [r for r in caplog.records if r.levelname == "ERROR"]
    assert next(iter(envelope)) in getattr(error, "reason", "")


@pytest.mark.parametrize(
    "body",
    [
        event("DeviceRegistered", "cam-1", 0) | {"detail-type": "x" * 200_000},
        event("DeviceRegistered", "cam-1", 0) | {"source": "x" * 200_000},
        event("DeviceRegistered", "cam-1", 0, tags={"x" * 200_000: "v"}),
    ],
    ids=["detail-type", "source", "tag-key"],
)
def test_a_huge_untrusted_value_is_cut_in_the_log(
    lifecycle: Registry, caplog: pytest.LogCaptureFixture, body: dict[str, Any]
) -> None:
    assert len(run(body)) == 1
    logged = "\n".join(str(r.__dict__) for r in caplog.records)
    assert "x" * 65 not in logged
