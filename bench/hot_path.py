"""The live-view hot path on a warm container: AWS calls and the handler's own CPU per
InitiateSessionWithOffer, for the skill and for the naive baseline, in the same run."""

from __future__ import annotations

import importlib
import json
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from bench import emulated, environ, scenarios, sink, stats
from bench.meter import CallMeter, delta
from bench.report import Section

WARM_UP = 20
METHOD = (
    "moto and the KVS emulation in process; the camera's master answers at once. Per directive: "
    "process CPU time (all threads, the skill sends offers on a worker) around the handler, minus "
    "the thread CPU time spent inside moto's request dispatch (the emulation and the master), "
    "measured by a hook that wraps moto's botocore `before-send` stubber. What remains is the "
    "handler's own work: parsing, JWT verification, botocore request building, signing and "
    "response parsing, logs and metrics (written to /dev/null). AWS calls counted at the same hook "
    "(every attempt). First directive cold, then {warm} warm-up directives, then {n} measured."
)
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def _run(
    handler: Handler, view: scenarios.LiveView, meter: CallMeter, count: int
) -> tuple[list[float], list[Counter[str]], list[str]]:
    from localcloud.aws.lambda_context import LambdaContext

    cpu: list[float] = []
    calls: list[Counter[str]] = []
    problems: list[str] = []
    for _ in range(count):
        event, context = view.offer(), LambdaContext(function_name="alexa-skill")
        before_calls, before_emulation = meter.snapshot()
        started = time.process_time()
        response = handler(event, context)
        spent = time.process_time() - started
        after_calls, after_emulation = meter.snapshot()
        cpu.append(spent - (after_emulation - before_emulation))
        calls.append(delta(before_calls, after_calls))
        problem = scenarios.answer_check(response)
        if problem:
            problems.append(problem)
    return cpu, calls, problems


def _variant(section: Section, label: str, module: str, cloud: emulated.Cloud, n: int) -> None:
    meter = cloud.meter
    assert meter is not None
    view = scenarios.live_view(cloud.env)
    with environ.patched(view.env):
        handler: Handler = importlib.import_module(module).handler
        with sink.discard_output():
            _, cold_calls, cold_problems = _run(handler, view, meter, 1)
            _run(handler, view, meter, WARM_UP)
            cpu, calls, problems = _run(handler, view, meter, n)
    per_directive = sum(sum(c.values()) for c in calls) / n
    breakdown = ", ".join(f"{op} {count / n:g}" for op, count in sorted(sum(calls, Counter()).items()))
    is_skill = module.startswith("functions.")
    section.add(
        f"{label}: AWS calls per offer (warm)",
        per_directive,
        target="<= 2" if is_skill else None,
        met=per_directive <= 2 if is_skill else None,
        note=breakdown,
    )
    section.add(
        f"{label}: AWS calls, first offer (cold)",
        sum(cold_calls[0].values()),
        note=", ".join(sorted(cold_calls[0])),
    )
    p50, p99 = stats.percentile(cpu, 50) * 1000, stats.percentile(cpu, 99) * 1000
    failures = len(problems) + len(cold_problems)
    section.add(
        f"{label}: own CPU per offer p50",
        p50,
        "ms",
        target="< 2 ms" if is_skill else None,
        met=p50 < 2 if is_skill else None,
        note=f"{n} directives"
        + (f"; {failures} FAILED: {(problems or cold_problems)[0]}" if failures else ""),
    )
    section.add(f"{label}: own CPU per offer p99", p99, "ms")


def _client_floor(section: Section, cloud: emulated.Cloud, n: int) -> None:
    """The client-side CPU of the two calls alone (GetItem, SendAlexaOfferToMaster) made with
    plain cached clients, and of one RS256 verification: the part of the budget the design
    cannot remove."""
    import jwt

    from functions.common import aws_clients
    from functions.common.kvs import clients as kvs_clients
    from localcloud.aws.identity import LocalIssuer

    meter = cloud.meter
    assert meter is not None
    view = scenarios.live_view(cloud.env)
    device = aws_clients.client("dynamodb").get_item(
        TableName=cloud.env["REGISTRY_TABLE_NAME"], Key={"deviceId": {"S": view.device_id}}
    )["Item"]
    arn = device["channelArn"]["S"]
    limits = kvs_clients.ClientLimits()
    https = kvs_clients.control_plane(limits).get_signaling_channel_endpoint(
        ChannelARN=arn, SingleMasterChannelEndpointConfiguration={"Protocols": ["HTTPS"], "Role": "VIEWER"}
    )["ResourceEndpointList"][0]["ResourceEndpoint"]
    ddb, signaling = (
        aws_clients.client("dynamodb"),
        kvs_clients.data_plane(https, limits),
    )
    payload = "eyJ0eXBlIjoib2ZmZXIiLCJzZHAiOiJ2PTAifQ=="
    cpu: list[float] = []
    for i in range(n + WARM_UP):
        _, before = meter.snapshot()
        started = time.process_time()
        ddb.get_item(TableName=cloud.env["REGISTRY_TABLE_NAME"], Key={"deviceId": {"S": view.device_id}})
        signaling.send_alexa_offer_to_master(ChannelARN=arn, SenderClientId=f"s{i}", MessagePayload=payload)
        spent = time.process_time() - started
        if i >= WARM_UP:
            cpu.append(spent - (meter.snapshot()[1] - before))
    section.add(
        "floor: the 2 calls alone, client side, p50",
        stats.percentile(cpu, 50) * 1000,
        "ms",
        note="botocore build, sign, parse of GetItem + SendAlexaOfferToMaster",
    )
    issuer = LocalIssuer(scenarios.IDENTITY_DIR)
    key = jwt.PyJWKSet.from_dict(json.loads(issuer.jwks_path.read_text())).keys[0]
    verify: list[float] = []
    for _ in range(n):
        started = time.process_time()
        jwt.decode(view.token, key=key, algorithms=["RS256"], options={"verify_aud": False})
        verify.append(time.process_time() - started)
    section.add("floor: one RS256 token check, p50", stats.percentile(verify, 50) * 1000, "ms")


def measure(directives: int) -> Section:
    section = Section(title="Live-view hot path", method=METHOD.format(warm=WARM_UP, n=directives))
    with emulated.in_process() as cloud:
        _variant(section, "alexa_skill", "functions.alexa_skill.handler", cloud, directives)
        _variant(section, "naive_skill (baseline)", "bench.naive_skill", cloud, directives)
        _client_floor(section, cloud, directives)
    return section
