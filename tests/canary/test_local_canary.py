"""The live-view canary against the local cloud: it passes, and each injected fault is reported
at its step."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from functions.canary import metrics
from functions.canary.camera_config import CameraConfig
from functions.canary.logic import run_canary
from functions.canary.steps import Step
from functions.common.deadline import Deadline
from localcloud.canary import local_parts
from localcloud.cloud import CloudState
from tests.canary.conftest import register_canary, token
from tests.e2e.conftest import start_cloud, stop_cloud

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("ca_bundle")]


def test_the_canary_passes_end_to_end(cloud: CloudState) -> None:
    device_id = register_canary(cloud)

    report = run_canary(device_id, local_parts(cloud, token(cloud)), Deadline(30))

    assert report.ok, report.summary()
    assert [s.step for s in report.steps] == list(Step)
    assert report.cell in {"a", "b", "c"}
    assert report.answer_ms is not None and report.answer_ms < 6000


def metrics_of(output: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """The EMF metrics in `output`: (name, dimensions) -> value."""
    found: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for line in output.splitlines():
        if '"_aws"' not in line:
            continue
        blob = json.loads(line)
        (directive,) = blob["_aws"]["CloudWatchMetrics"]
        dimensions = tuple(sorted((d, blob[d]) for d in directive["Dimensions"][0]))
        for metric in directive["Metrics"]:
            value = blob[metric["Name"]]
            found[(metric["Name"], dimensions)] = value[0] if isinstance(value, list) else value
    return found


def run_and_record(
    cloud: CloudState, device_id: str, bearer: str, capsys: pytest.CaptureFixture[str], **kw: Any
) -> Any:
    capsys.readouterr()
    report = run_canary(device_id, local_parts(cloud, bearer, **kw), Deadline(30))
    metrics.record(report)
    return report, metrics_of(capsys.readouterr().out)


def assert_failed_at(report: Any, found: dict[Any, float], step: Step) -> None:
    assert not report.ok
    assert report.failed_step is step, report.summary()
    cell = (("Cell", report.cell),)
    assert found[(metrics.FAILED, cell)] == 1
    assert found[(metrics.STEP_FAILED, tuple(sorted((*cell, ("Step", str(step))))))] == 1
    assert (metrics.ANSWER_TIME, cell) not in found


def test_a_passing_run_records_its_answer_time_and_no_failure(
    cloud: CloudState, capsys: pytest.CaptureFixture[str]
) -> None:
    device_id = register_canary(cloud)

    report, found = run_and_record(cloud, device_id, token(cloud), capsys)

    cell = (("Cell", report.cell),)
    assert found[(metrics.FAILED, cell)] == 0
    assert found[(metrics.ANSWER_TIME, cell)] == pytest.approx(report.answer_ms)
    assert all(found[(metrics.STEP_FAILED, tuple(sorted((*cell, ("Step", str(s))))))] == 0 for s in Step)


def test_kvs_throttling_fails_at_offer_delivery(
    cloud: CloudState, capsys: pytest.CaptureFixture[str]
) -> None:
    device_id = register_canary(cloud)
    bearer = token(cloud)
    fault = {"operation": "SendAlexaOfferToMaster", "error": "ClientLimitExceededException", "times": 1}
    assert requests.post(f"{cloud.url}/kvs/faults", json=fault, verify=str(cloud.ca_file), timeout=5).ok

    report, found = run_and_record(cloud, device_id, bearer, capsys)

    assert_failed_at(report, found, Step.OFFER_DELIVERY)
    assert "RATE_LIMIT_EXCEEDED" in report.steps[-1].reason


def test_a_master_that_never_answers_fails_at_answer(
    cloud: CloudState, capsys: pytest.CaptureFixture[str]
) -> None:
    device_id = register_canary(cloud)

    report, found = run_and_record(cloud, device_id, token(cloud), capsys, answerer=lambda offer: None)

    assert_failed_at(report, found, Step.ANSWER)
    assert "ENDPOINT_UNREACHABLE" in report.steps[-1].reason


def test_an_expired_canary_token_fails_at_token(
    cloud: CloudState, capsys: pytest.CaptureFixture[str]
) -> None:
    device_id = register_canary(cloud)
    bearer = token(cloud, expires_in=1)
    time.sleep(1.5)

    report, found = run_and_record(cloud, device_id, bearer, capsys)

    assert_failed_at(report, found, Step.TOKEN)
    assert "EXPIRED_AUTHORIZATION_CREDENTIAL" in report.steps[-1].reason


def test_a_broken_skill_setting_fails_at_skill_invoke(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The skill refuses to start with a deadline above its Lambda timeout; nothing else minds.
    monkeypatch.setenv("SKILL_DEADLINE_SECONDS", "9")
    process, broken = start_cloud(tmp_path, "--cameras", "0")
    try:
        monkeypatch.setenv("AWS_CA_BUNDLE", str(broken.ca_file))
        device_id = register_canary(broken)

        report, found = run_and_record(broken, device_id, token(broken), capsys)
    finally:
        stop_cloud(process)

    assert_failed_at(report, found, Step.SKILL_INVOKE)
    assert [s.step for s in report.steps] == [
        Step.TOKEN,
        Step.CAMERA_CONFIG,
        Step.MASTER_CONNECT,
        Step.SKILL_INVOKE,
    ]


def test_a_refused_signaling_connection_fails_at_master_connect(
    cloud: CloudState, capsys: pytest.CaptureFixture[str]
) -> None:
    device_id = register_canary(cloud)
    parts = local_parts(cloud, token(cloud))
    fetch = parts.config

    def another_channel(device: str) -> CameraConfig:
        # The camera's own credentials presigned for a channel they do not cover: KVS answers 403.
        config = fetch(device)
        return config.model_copy(update={"channel_arn": config.channel_arn.replace(device, "someone-else")})

    parts.config = another_channel
    capsys.readouterr()
    report = run_canary(device_id, parts, Deadline(30))
    metrics.record(report)

    assert_failed_at(report, metrics_of(capsys.readouterr().out), Step.MASTER_CONNECT)
    assert report.steps[-1].reason == "WebSocket handshake refused: HTTP 403"
