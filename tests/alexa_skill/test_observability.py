"""Metrics and logs: what is counted, and what never reaches the logs."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest

from functions.common.observability import logger
from localcloud import kvs
from tests.alexa_skill.conftest import ANSWER_SDP, OWNER, Cloud, offer
from tests.common.child_python import run_python

ROOT = Path(__file__).resolve().parents[2]


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


def test_an_offer_logs_one_line_with_its_sizes_and_latency(
    cloud: Cloud, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """A log line costs a warm offer about as much as the rest of the skill's own work: one per
    directive, carrying what the offer measured."""
    device = cloud.camera("front-door")
    assert device.channel_arn
    kvs.attach_master(device.channel_arn, lambda o, s: {"type": "answer", "sdp": ANSWER_SDP})
    directive = offer("front-door", cloud.issuer.mint(OWNER))
    caplog.clear()

    cloud.invoke(directive)

    (line,) = [json.loads(logger.registered_formatter.format(r)) for r in caplog.records]
    assert line["message"] == "directive handled"
    assert line["outcome"] == "ok"
    assert line["offer_bytes"] == len(directive["directive"]["payload"]["offer"]["value"])
    assert line["answer_bytes"] == len(ANSWER_SDP)
    assert 0 <= line["latency_ms"] < 1500


def test_errors_are_counted_by_type(cloud: Cloud, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    cloud.invoke(offer("missing", cloud.issuer.mint(OWNER)))
    blobs = emitted(capsys.readouterr().out)
    errors = [b for b in blobs if "Errors" in metric_names(b)]
    assert [b["ErrorType"] for b in errors] == ["NO_SUCH_ENDPOINT"]


# A skill invocation as Lambda runs it with active tracing (Powertools patches botocore, the X-Ray
# SDK streams every subsegment to the daemon over UDP), in its own interpreter so that enabling
# tracing and patching cannot leak into other tests.
TRACED_OFFER = """
import os, sys, time
import boto3
from moto import mock_aws
from localcloud import kvs
from localcloud.aws.bootstrap import create_resources
from localcloud.aws.identity import LocalIssuer
from functions.common.registry.store import Device, Registry
from localcloud.aws.lambda_context import LambdaContext
from tests.alexa_skill.conftest import offer

quoted, identity_dir = sys.argv[1], sys.argv[2]  # quoted: empty for an offer that succeeds
kvs.install()
with mock_aws():
    env = create_resources()
    issuer = LocalIssuer(identity_dir)
    os.environ.update(env, **issuer.env())
    name = "alexa-cam-front-door"
    arn = boto3.client("kinesisvideo").create_signaling_channel(ChannelName=name)["ChannelARN"]
    Registry(env["REGISTRY_TABLE_NAME"]).put_if_newer(Device(
        device_id="front-door", owner_id="alice", channel_name=name, channel_arn=arn,
        last_event_time="2030-01-01T00:00:00.000000Z", last_event_id="e-1"))
    if quoted:
        kvs.inject("SendAlexaOfferToMaster", error="InvalidArgumentException", message=f"bad sender {quoted}")
    else:
        kvs.attach_master(arn, lambda o, s: {"type": "answer", "sdp": "v=0"})
    from functions.alexa_skill.handler import handler
    directive, context = offer("front-door", issuer.mint("alice")), LambdaContext("alexa-skill")
    print("INVOKED", time.time())
    response = handler(directive, context)
    print("RESPONSE", response["event"]["payload"].get("type", response["event"]["header"]["name"]))
"""


def traced_offer(tmp_path: Path, quoted: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """The skill's output and the trace documents its daemon received, for one offer."""
    daemon = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    daemon.bind(("127.0.0.1", 0))
    env = {k: v for k, v in os.environ.items() if k != "POWERTOOLS_TRACE_DISABLED"}
    env |= {
        "LAMBDA_TASK_ROOT": str(ROOT),
        "AWS_LAMBDA_FUNCTION_NAME": "alexa-skill",
        "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{daemon.getsockname()[1]}",
        "POWERTOOLS_SERVICE_NAME": "alexa-skill",
    }
    try:
        run = run_python(TRACED_OFFER, quoted, str(tmp_path), env=env)
        daemon.setblocking(False)
        documents = []
        with contextlib.suppress(BlockingIOError):
            while True:
                documents.append(daemon.recv(65536).decode())
    finally:
        daemon.close()
    return run, documents


def test_an_offers_trace_is_its_aws_calls_once_each(tmp_path: Path) -> None:
    """Each subsegment costs the warm offer about as much as the skill's own work: the AWS calls
    are traced once, by the botocore patch (not again as http.client requests), and the skill adds
    none of its own (Lambda's segment already times the invocation and its initialization)."""
    run, documents = traced_offer(tmp_path, quoted="")

    assert "RESPONSE AnswerGeneratedForSession" in run.stdout
    invoked = float(run.stdout.split("INVOKED ", 1)[1].split()[0])
    subsegments = [json.loads(d.split("\n", 1)[1]) for d in documents]
    calls = [s for s in subsegments if s["start_time"] >= invoked]  # the setup is traced too
    traced = [(s.get("namespace"), s.get("aws", {}).get("operation", s["name"])) for s in calls]
    # No registry endpoint recorded for this camera: the offer asks the control plane for it.
    assert sorted(traced) == [
        ("aws", "GetItem"),
        ("aws", "GetSignalingChannelEndpoint"),
        ("aws", "SendAlexaOfferToMaster"),
    ]


def test_traces_carry_exceptions_as_their_code_only(tmp_path: Path) -> None:
    quoted = "quoted-request-51c7"  # stands for a request value that AWS repeats in its error message
    run, documents = traced_offer(tmp_path, quoted)

    assert "RESPONSE INTERNAL_ERROR" in run.stdout
    traced = "\n".join(documents)
    assert '"operation": "SendAlexaOfferToMaster"' in traced  # the failed call was traced...
    assert "InvalidArgumentException" in traced  # ...with its error code
    assert quoted not in traced
    assert quoted not in run.stdout + run.stderr  # nor in the function's logs
