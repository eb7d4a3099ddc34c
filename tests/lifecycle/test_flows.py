"""Each flow end to end: SQS batch → handler → KVS emulation and the registry table (moto)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest

from functions.common import aws_clients
from functions.common.registry import channel_tags
from functions.common.registry.store import TOMBSTONE_RETENTION_SECONDS, DeviceStatus, Registry
from functions.device_lifecycle.handler import handler
from functions.device_lifecycle.lifecycle_channels import kvs_client
from functions.device_lifecycle.settings import LifecycleSettings
from localcloud import kvs
from tests.lifecycle.support import ACCOUNT, channels, event, lifecycle_context, run, sqs_event, sqs_record
from tests.lifecycle.support import emitted_metrics as _metrics
from tests.lifecycle.support import run_ids as run_batch

NAME = "alexa-cam-cam-1"


def _ops(operation: str) -> list[kvs.CallRecord]:
    return [c for c in kvs.calls() if c.operation == operation]


def test_registered_creates_the_channel_and_records_it(
    lifecycle: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    registered = event(
        "DeviceRegistered",
        "cam-1",
        friendlyName="Front door",
        manufacturerName="Acme",
        model="C1",
        description="Acme C1 camera",
        messageTtlSeconds=30,
        fullDuplexAudio=True,
        tags={"cost-center": "home"},
    )
    assert run(registered) == []

    channel = channels()[NAME]
    assert channel.ttl == 30
    assert channel.tags == {
        **channel_tags.managed_tags("cam-1", "owner-1", "dev"),
        "cost-center": "home",
    }
    device = lifecycle.get("cam-1")
    assert device is not None and device.status is DeviceStatus.ACTIVE
    assert (device.channel_name, device.channel_arn) == (NAME, channel.arn)
    assert (device.friendly_name, device.manufacturer_name, device.model) == ("Front door", "Acme", "C1")
    assert device.full_duplex_audio and device.message_ttl_seconds == 30
    assert device.order_key == (registered["time"].replace("Z", ".000000Z"), registered["id"])
    assert [d.device_id for d in lifecycle.list_by_owner("owner-1")] == ["cam-1"]
    assert _metrics(capsys.readouterr().out) == {"RecordsReceived": 1, "ChannelsCreated": 1}


def test_registered_without_a_ttl_takes_the_configured_default(
    lifecycle: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MESSAGE_TTL_SECONDS", "45")
    assert run(event("DeviceRegistered", "cam-1")) == []
    assert channels()[NAME].ttl == 45
    device = lifecycle.get("cam-1")
    assert device is not None and device.message_ttl_seconds == 45


def test_a_new_channel_keeps_an_offer_no_longer_than_alexa_waits(
    lifecycle: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing configured: the default. Alexa gives up after 6 s (the skill after 4.5 s), so an
    # offer kept longer would reach a camera that connects later and is answered into the void.
    monkeypatch.delenv("MESSAGE_TTL_SECONDS")
    assert run(event("DeviceRegistered", "cam-1")) == []
    assert channels()[NAME].ttl == 5
    device = lifecycle.get("cam-1")
    assert device is not None and device.message_ttl_seconds == 5


def test_updated_changes_metadata_ttl_tags_and_owner(
    lifecycle: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    run(event("DeviceRegistered", "cam-1", 0, friendlyName="Front", model="C1", tags={"a": "1", "b": "2"}))
    arn = channels()[NAME].arn
    kvs.clear_calls()
    capsys.readouterr()

    updated = event(
        "DeviceUpdated",
        "cam-1",
        10,
        owner="owner-2",
        friendlyName="Porch",
        messageTtlSeconds=90,
        tags={"a": "9"},
    )
    assert run(updated) == []

    channel = channels()[NAME]
    assert channel.arn == arn and channel.ttl == 90
    assert channel.tags == {**channel_tags.managed_tags("cam-1", "owner-2", "dev"), "a": "9"}
    device = lifecycle.get("cam-1")
    assert device is not None
    # Fields the update carried changed; the one it left out (model) kept its value.
    assert (device.friendly_name, device.model, device.owner_id) == ("Porch", "C1", "owner-2")
    # One write moved the camera: the old owner no longer sees it, the new one does.
    assert lifecycle.list_by_owner("owner-1") == []
    assert [d.device_id for d in lifecycle.list_by_owner("owner-2")] == ["cam-1"]
    assert [c.outcome for c in _ops("UpdateSignalingChannel")] == ["ok"]
    assert _metrics(capsys.readouterr().out) == {"RecordsReceived": 1, "ChannelsUpdated": 1}


def test_metadata_only_update_touches_no_channel_setting(lifecycle: Registry) -> None:
    run(event("DeviceRegistered", "cam-1", 0, messageTtlSeconds=30))
    kvs.clear_calls()
    assert run(event("DeviceUpdated", "cam-1", 5, description="Garage")) == []
    assert {c.operation for c in kvs.calls()} == {"DescribeSignalingChannel", "ListTagsForResource"}
    device = lifecycle.get("cam-1")
    assert device is not None and device.description == "Garage" and device.message_ttl_seconds == 30


def test_ttl_update_rereads_the_version_after_a_mismatch(lifecycle: Registry) -> None:
    run(event("DeviceRegistered", "cam-1", 0))
    kvs.clear_calls()
    kvs.inject("UpdateSignalingChannel", error="VersionMismatchException", times=1)
    assert run(event("DeviceUpdated", "cam-1", 5, messageTtlSeconds=15)) == []
    assert [c.outcome for c in _ops("UpdateSignalingChannel")] == ["VersionMismatchException", "ok"]
    assert len(_ops("DescribeSignalingChannel")) == 2
    assert channels()[NAME].ttl == 15


def test_deregistered_deletes_the_channel_and_leaves_a_tombstone(
    lifecycle: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    run(event("DeviceRegistered", "cam-1", 0))
    capsys.readouterr()
    before = int(time.time())
    assert run(event("DeviceDeregistered", "cam-1", 10, owner=None)) == []

    assert channels() == {}
    tombstone = lifecycle.get("cam-1")
    assert tombstone is not None and tombstone.status is DeviceStatus.DEREGISTERED
    assert tombstone.owner_id is None and tombstone.channel_arn is None
    assert tombstone.expires_at is not None
    assert (
        before + TOMBSTONE_RETENTION_SECONDS
        <= tombstone.expires_at
        <= int(time.time()) + TOMBSTONE_RETENTION_SECONDS
    )
    assert lifecycle.list_by_owner("owner-1") == []
    assert _metrics(capsys.readouterr().out) == {"RecordsReceived": 1, "ChannelsDeleted": 1}


def test_deregistering_an_unknown_device_is_fine(lifecycle: Registry) -> None:
    assert run(event("DeviceDeregistered", "cam-9", 0, owner=None)) == []
    tombstone = lifecycle.get("cam-9")
    assert tombstone is not None and not tombstone.is_active


def test_the_same_event_twice_applies_once(lifecycle: Registry, capsys: pytest.CaptureFixture[str]) -> None:
    registered = event("DeviceRegistered", "cam-1", 0)
    assert run(registered, registered) == []
    assert run(registered) == []
    assert list(channels()) == [NAME]
    assert len(_ops("CreateSignalingChannel")) == 1
    assert _metrics(capsys.readouterr().out) == {
        "RecordsReceived": 3,
        "ChannelsCreated": 1,
        "EventsSkippedStale": 2,
    }


def test_two_events_for_one_device_in_one_batch(lifecycle: Registry) -> None:
    assert (
        run(event("DeviceRegistered", "cam-1", 0), event("DeviceUpdated", "cam-1", 1, messageTtlSeconds=7))
        == []
    )
    assert channels()[NAME].ttl == 7
    assert (
        run(event("DeviceRegistered", "cam-2", 0), event("DeviceDeregistered", "cam-2", 1, owner=None)) == []
    )
    assert list(channels()) == [NAME]


def test_a_late_registered_never_resurrects_a_deregistered_camera(
    lifecycle: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    registered = event("DeviceRegistered", "cam-1", 0)
    assert run(event("DeviceDeregistered", "cam-1", 10, owner=None)) == []
    assert run(registered) == []
    assert channels() == {}
    device = lifecycle.get("cam-1")
    assert device is not None and not device.is_active
    assert _metrics(capsys.readouterr().out) == {"RecordsReceived": 2, "EventsSkippedStale": 1}


def test_an_update_before_its_registration_converges_to_the_newest(lifecycle: Registry) -> None:
    assert run(event("DeviceUpdated", "cam-1", 10, messageTtlSeconds=45, friendlyName="New")) == []
    assert run(event("DeviceRegistered", "cam-1", 0, messageTtlSeconds=20, friendlyName="Old")) == []
    assert channels()[NAME].ttl == 45
    device = lifecycle.get("cam-1")
    assert device is not None and device.friendly_name == "New"


def test_reregistration_after_deregistration_creates_a_new_channel(lifecycle: Registry) -> None:
    run(event("DeviceRegistered", "cam-1", 0))
    first = channels()[NAME].arn
    run(event("DeviceDeregistered", "cam-1", 5, owner=None))
    assert run(event("DeviceRegistered", "cam-1", 9, owner="owner-3")) == []
    device = lifecycle.get("cam-1")
    assert device is not None and device.is_active and device.owner_id == "owner-3"
    assert device.channel_arn == channels()[NAME].arn != first


def test_mixed_batch_reports_only_the_bad_records(
    lifecycle: Registry, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    good = [event("DeviceRegistered", f"cam-{i}", 0) for i in range(3)]
    wrong_source = {**event("DeviceRegistered", "cam-x", 0), "source": "someone.else"}
    bad_bodies: list[Any] = [
        "not json",
        {**good[0], "detail-type": "DeviceRebooted"},
        {**good[0], "detail": {"ownerId": "owner-1"}},
        {**good[0], "detail": {"deviceId": "cam/1", "ownerId": "owner-1"}},
        wrong_source,
        # The deviceId rule: 2 to 64 characters (an STS role session name).
        {**good[0], "detail": {"deviceId": "c" * 65, "ownerId": "owner-1"}},
        {**good[0], "detail": {"deviceId": "c", "ownerId": "owner-1"}},
    ]
    records = [sqs_record(b) for b in [good[0], *bad_bodies[:3], good[1], *bad_bodies[3:], good[2]]]
    good_bodies = {json.dumps(g) for g in good}
    bad_ids = [r["messageId"] for r in records if r["body"] not in good_bodies]

    assert sorted(run_batch({"Records": records})) == sorted(bad_ids)
    assert sorted(channels()) == [f"alexa-cam-cam-{i}" for i in range(3)]
    reasons = [getattr(r, "reason", "") for r in caplog.records if "record rejected" in r.getMessage()]
    assert len(reasons) == 7
    for expected in (
        "Invalid JSON",
        "DeviceRebooted",
        "deviceId: Field required",
        "pattern",
        "someone.else",
        "at most 64 characters",
        "at least 2 characters",
    ):
        assert any(expected in reason for reason in reasons), expected
    assert _metrics(capsys.readouterr().out) == {
        "RecordsReceived": 10,
        "ChannelsCreated": 3,
        "RecordsFailed": 7,
    }


def test_an_all_bad_batch_is_reported_not_raised(lifecycle: Registry) -> None:
    batch = sqs_event("not json", "{}")
    assert sorted(run_batch(batch)) == sorted(r["messageId"] for r in batch["Records"])


def test_a_channel_of_another_device_is_not_adopted(
    lifecycle: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    boto3.client("kinesisvideo").create_signaling_channel(
        ChannelName=NAME, Tags=[{"Key": channel_tags.DEVICE_TAG, "Value": "someone-else"}]
    )
    registered = sqs_record(event("DeviceRegistered", "cam-1", 0))
    assert run_batch({"Records": [registered]}) == [registered["messageId"]]
    assert lifecycle.get("cam-1") is None
    assert any("refusing to adopt" in getattr(r, "reason", "") for r in caplog.records)
    # Nor deleted by a deregistration.
    deregistered = sqs_record(event("DeviceDeregistered", "cam-1", 5, owner=None))
    assert run_batch({"Records": [deregistered]}) == [deregistered["messageId"]]
    assert NAME in channels()


@pytest.mark.parametrize(
    "strip",
    [
        pytest.param([channel_tags.DEVICE_TAG], id="device-tag"),
        pytest.param(
            [channel_tags.DEVICE_TAG, channel_tags.OWNER_TAG, channel_tags.MANAGED_BY_TAG], id="all"
        ),
    ],
)
def test_the_recorded_channel_is_the_devices_whatever_its_tags_say(
    lifecycle: Registry, strip: list[str]
) -> None:
    assert run(event("DeviceRegistered", "cam-1", 0)) == []
    kvs_client_ = boto3.client("kinesisvideo")
    arn = channels()[NAME].arn
    kvs_client_.untag_resource(ResourceARN=arn, TagKeyList=strip)
    kvs_client_.tag_resource(ResourceARN=arn, Tags=[{"Key": channel_tags.ENVIRONMENT_TAG, "Value": "other"}])

    # An update heals the tags on the recorded channel instead of refusing it as foreign.
    assert run(event("DeviceUpdated", "cam-1", 5, friendlyName="Porch")) == []
    assert channels()[NAME].arn == arn
    assert channel_tags.managed_tags("cam-1", "owner-1", "dev").items() <= channels()[NAME].tags.items()

    # And a deregistration deletes it, whatever its tags say by then.
    kvs_client_.untag_resource(ResourceARN=arn, TagKeyList=strip)
    assert run(event("DeviceDeregistered", "cam-1", 9, owner=None)) == []
    assert channels() == {}


def test_a_channel_under_the_recorded_name_with_another_arn_is_refused(
    lifecycle: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    # The recorded channel was deleted by hand and its name re-created, device tag and all.
    assert run(event("DeviceRegistered", "cam-1", 0)) == []
    kvs_client_ = boto3.client("kinesisvideo")
    recorded = channels()[NAME].arn
    kvs_client_.delete_signaling_channel(ChannelARN=recorded)
    kvs_client_.create_signaling_channel(
        ChannelName=NAME,
        Tags=[{"Key": channel_tags.DEVICE_TAG, "Value": "cam-1"}, {"Key": "x", "Value": "1"}],
    )
    impostor = channels()[NAME]

    updated = sqs_record(event("DeviceUpdated", "cam-1", 5, friendlyName="Porch"))
    assert run_batch({"Records": [updated]}) == [updated["messageId"]]
    assert any("refusing to adopt" in getattr(r, "reason", "") for r in caplog.records)
    deregistered = sqs_record(event("DeviceDeregistered", "cam-1", 9, owner=None))
    assert run_batch({"Records": [deregistered]}) == [deregistered["messageId"]]

    assert channels()[NAME] == impostor
    device = lifecycle.get("cam-1")
    assert device is not None and device.channel_arn == recorded and device.friendly_name is None


def test_a_crash_between_channel_and_registry_converges_on_redelivery(
    lifecycle: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    dynamodb = aws_clients.client("dynamodb")
    crashes = []

    def crash_once(**_: Any) -> None:
        if not crashes:
            crashes.append(1)
            raise RuntimeError("simulated crash before the registry write")

    dynamodb.meta.events.register("before-call.dynamodb.UpdateItem", crash_once)
    try:
        record = sqs_record(event("DeviceRegistered", "cam-1", 0, tags={"x": "1"}))
        assert run_batch({"Records": [record]}) == [record["messageId"]]
        assert list(channels()) == [NAME] and lifecycle.get("cam-1") is None

        assert run_batch({"Records": [record]}) == []  # SQS delivers it again
    finally:
        dynamodb.meta.events.unregister("before-call.dynamodb.UpdateItem", crash_once)

    assert list(channels()) == [NAME]
    assert [d.device_id for d in lifecycle.scan()] == ["cam-1"]
    device = lifecycle.get("cam-1")
    assert device is not None and device.channel_arn == channels()[NAME].arn
    assert len(_ops("CreateSignalingChannel")) == 2  # the second one found the name taken
    # Outcomes count applied records: the crashed attempt is a failure, the redelivery an adoption.
    assert _metrics(capsys.readouterr().out) == {
        "RecordsReceived": 2,
        "ChannelsAdopted": 1,
        "RecordsFailed": 1,
    }


def _control_cell_client() -> Any:
    """The KVS client the handler uses for the stage's one cell (the control account's)."""
    return kvs_client(LifecycleSettings.load().cells(ACCOUNT, "us-east-1")[0])


@contextmanager
def _meanwhile(client: Any, operation: str, body: dict[str, Any]) -> Iterator[None]:
    """Run the handler on `body` once, right before the next `operation` call of `client`.

    This is another invocation processing a newer event of the same device concurrently.
    """
    event_name = f"before-call.{client.meta.service_model.service_name}.{operation}"
    done: list[bool] = []

    def interleave(**_: Any) -> None:
        if not done:
            done.append(True)
            assert handler(sqs_event(body), lifecycle_context())["batchItemFailures"] == []

    client.meta.events.register(event_name, interleave)
    try:
        yield
    finally:
        client.meta.events.unregister(event_name, interleave)
    assert done, f"{operation} was never called"


def test_a_newer_deregistration_during_a_registration_wins(lifecycle: Registry) -> None:
    # The deregistration completes (no channel yet) between the registration's read and its create.
    with _meanwhile(
        _control_cell_client(), "CreateSignalingChannel", event("DeviceDeregistered", "cam-1", 10, owner=None)
    ):
        assert run(event("DeviceRegistered", "cam-1", 0)) == []
    # The registration lost its registry write and removed the channel it had just created.
    assert channels() == {}
    assert [len(_ops(op)) for op in ("CreateSignalingChannel", "DeleteSignalingChannel")] == [1, 1]
    device = lifecycle.get("cam-1")
    assert device is not None and not device.is_active


def test_a_newer_registration_during_a_deregistration_keeps_a_channel(lifecycle: Registry) -> None:
    run(event("DeviceRegistered", "cam-1", 0))
    # A re-registration completes between the deregistration's read and its delete.
    with _meanwhile(
        _control_cell_client(),
        "DeleteSignalingChannel",
        event("DeviceRegistered", "cam-1", 20, owner="owner-2"),
    ):
        assert run(event("DeviceDeregistered", "cam-1", 10, owner=None)) == []
    # The deregistration deleted the winner's channel, then re-created it and recorded the new ARN.
    device = lifecycle.get("cam-1")
    assert device is not None and device.is_active and device.owner_id == "owner-2"
    assert device.channel_arn == channels()[NAME].arn
    assert channels()[NAME].tags[channel_tags.OWNER_TAG] == channel_tags.owner_ref("owner-2")
    assert [len(_ops(op)) for op in ("CreateSignalingChannel", "DeleteSignalingChannel")] == [2, 1]
