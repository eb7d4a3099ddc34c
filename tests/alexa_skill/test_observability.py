"""Metrics and logs: what is counted, and what never reaches the logs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.common.observability import logger
from localcloud import kvs
from tests.alexa_skill.conftest import ANSWER_SDP, OWNER, Cloud, offer


def emitted(output: str) -> list[dict[str, Any]]:
    """The metric blobs (EMF) printed as JSON lines."""
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [r for r in records if "_aws" in r]


def metric_names(blob: dict[str, Any]) -> set[str]:
    return {m["Name"] for d in blob["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}


def test_offer_emits_latency_and_directive_count_and_logs_no_secrets(
    cloud: Cloud, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    device = cloud.camera("front-door")
    assert device.channel_arn
    kvs.attach_master(device.channel_arn, lambda o, s: {"type": "answer", "sdp": ANSWER_SDP})
    token = cloud.issuer.mint(OWNER)
    capsys.readouterr()

    cloud.invoke(offer("front-door", token))

    out = capsys.readouterr().out
    blobs = emitted(out)
    (blob,) = [b for b in blobs if "OfferToAnswerLatency" in metric_names(b)]
    assert blob["Directive"] == "InitiateSessionWithOffer"
    # The latency alarm (infra/components/monitoring.py) names exactly these dimensions; Powertools
    # adds `service` wherever POWERTOOLS_SERVICE_NAME is set, as the stack does.
    (directive,) = blob["_aws"]["CloudWatchMetrics"]
    assert set(directive["Dimensions"][0]) - {"service"} == {"Directive"}
    assert blob["Directives"] == [1.0]
    (latency,) = blob["OfferToAnswerLatency"]
    assert 0 <= latency < 1500
    (handled,) = [r for r in caplog.records if r.getMessage() == "directive handled"]
    assert handled.__dict__["outcome"] == "ok"
    # Everything logged, with the keys the logger appends, as it would reach CloudWatch.
    logged = out + "\n".join(logger.registered_formatter.format(r) for r in caplog.records)
    assert "front-door" in logged and "InitiateSessionWithOffer" in logged
    assert token not in logged
    assert "v=0" not in logged


def test_errors_are_counted_by_type(cloud: Cloud, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    cloud.invoke(offer("missing", cloud.issuer.mint(OWNER)))
    blobs = emitted(capsys.readouterr().out)
    errors = [b for b in blobs if "Errors" in metric_names(b)]
    assert [b["ErrorType"] for b in errors] == ["NO_SUCH_ENDPOINT"]
