"""Metrics and logs: what is counted, and what never reaches the logs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from localcloud import kvs
from tests.alexa_skill.conftest import ANSWER_SDP, OFFER_SDP, OWNER, Cloud, offer


def emitted(output: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(metric blobs, log records) printed as JSON lines."""
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [r for r in records if "_aws" in r], [r for r in records if "_aws" not in r]


def metric_names(blob: dict[str, Any]) -> set[str]:
    return {m["Name"] for d in blob["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}


def test_offer_emits_latency_and_directive_count_and_logs_no_secrets(
    cloud: Cloud, capsys: pytest.CaptureFixture[str]
) -> None:
    device = cloud.camera("front-door")
    assert device.channel_arn
    kvs.attach_master(device.channel_arn, lambda o, s: {"type": "answer", "sdp": ANSWER_SDP})
    token = cloud.issuer.mint(OWNER)
    capsys.readouterr()

    cloud.invoke(offer("front-door", token))

    out = capsys.readouterr().out
    blobs, logs = emitted(out)
    (blob,) = [b for b in blobs if "OfferToAnswerLatency" in metric_names(b)]
    assert blob["Directive"] == "InitiateSessionWithOffer"
    assert blob["Directives"] == [1.0]
    (latency,) = blob["OfferToAnswerLatency"]
    assert 0 <= latency < 1500
    handled = [r for r in logs if r["message"] == "directive handled"]
    assert handled and handled[0]["outcome"] == "ok" and handled[0]["endpoint_id"] == "front-door"
    assert handled[0]["correlation_id"]
    assert token not in out
    assert OFFER_SDP.strip() not in out and ANSWER_SDP.strip() not in out
    assert "v=0" not in out


def test_errors_are_counted_by_type(cloud: Cloud, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    cloud.invoke(offer("missing", cloud.issuer.mint(OWNER)))
    blobs, _ = emitted(capsys.readouterr().out)
    errors = [b for b in blobs if "Errors" in metric_names(b)]
    assert [b["ErrorType"] for b in errors] == ["NO_SUCH_ENDPOINT"]
