"""Tag rotation: calls per channel, achieved rate against the configured rate, throttling under
the real quotas, and the projected duration of a full account."""

from __future__ import annotations

import importlib
import time
from collections import Counter
from typing import Any

from bench import emulated, environ, sink
from bench.fleet import Fleet
from bench.report import Section

ACCOUNT_CHANNELS = 10_000  # the channel quota of us-east-1 and us-west-2
QUOTA_TPS = 50.0  # TagResource, UntagResource, ListTagsForResource, ListSignalingChannels
TARGET_SHARE = 0.9
THROTTLE = "ClientLimitExceededException"
METHOD = (
    "moto and the KVS emulation in process; channels seeded as the lifecycle function leaves them "
    "(static managed tags and one foreign tag), so each needs its rotating tags added. The handler "
    "is invoked until its run reports complete. (A) scale: {scale} channels, emulated quotas OFF, "
    "ROTATION_MAX_TPS={fast:g} (per operation): the rate limiter's achieved/configured rate on the "
    "busiest operation, measured from the emulation's call log over the run's wall time; "
    "{fast:g} TPS was chosen because this machine's single core can serve it in process, so the "
    "limiter, not the CPU, sets the pace (at 40 TPS, 10,000 channels would take 4+ minutes of "
    "real time). (B) quotas: {small} channels, emulated quotas ON (50 TPS per account per "
    "operation, 5 per channel), ROTATION_MAX_TPS at its default {default:g}: throttles seen, "
    "channels left unrotated. Projection: {account:,} channels x calls per channel on the busiest "
    "operation / rate."
)


def rotate(settings: dict[str, str]) -> tuple[list[dict[str, Any]], float, float]:
    """Invoke the handler until the run is complete: its summaries, wall time and CPU time."""
    from localcloud.aws.lambda_context import LambdaContext

    with environ.patched(settings):
        # A new container per setting: its settings are read on the first invocation.
        module = importlib.import_module("functions.tag_rotation.handler")
        importlib.import_module("functions.tag_rotation.dependencies").dependencies.cache_clear()
        summaries: list[dict[str, Any]] = []
        started, started_cpu = time.perf_counter(), time.process_time()
        with sink.discard_output():
            while not summaries or not summaries[-1]["complete"]:
                summaries.append(
                    module.handler({}, LambdaContext(function_name="tag-rotation", timeout_s=900))
                )
                if len(summaries) > 50:
                    raise RuntimeError(f"rotation did not complete: {summaries[-1]}")
        return summaries, time.perf_counter() - started, time.process_time() - started_cpu


def _kvs_calls() -> tuple[Counter[str], int, float, float]:
    """Calls per operation (admitted), throttled calls, and the first and last call times."""
    from localcloud import kvs

    records = kvs.calls()
    admitted = Counter(r.operation for r in records if r.outcome != THROTTLE)
    throttled = sum(1 for r in records if r.outcome == THROTTLE)
    times = [r.timestamp for r in records] or [0.0]
    return admitted, throttled, min(times), max(times)


def _run(channels: int, rate: float, *, quotas: bool) -> dict[str, Any]:
    from localcloud import kvs

    with emulated.in_process() as cloud:
        Fleet(cloud.env).add(channels)
        kvs.clear_calls()
        if quotas:
            kvs.enable_quotas()
        settings = {"ROTATION_MAX_TPS": str(rate), "ROTATION_STOP_MARGIN_SECONDS": "5"}
        summaries, wall, cpu = rotate(settings)
        admitted, throttled, first, last = _kvs_calls()
        kvs.reset_faults()
    final = summaries[-1]
    busiest, busiest_calls = admitted.most_common(1)[0]
    return {
        "summary": final,
        "invocations": len(summaries),
        "wall": wall,
        "cpu_share": cpu / wall,
        "admitted": admitted,
        "throttled": throttled,
        "busiest": busiest,
        "achieved": busiest_calls / max(last - first, 1e-9),
        "per_channel": {op: n / channels for op, n in admitted.items()},
    }


def measure(scale_channels: int, fast_rate: float, quota_channels: int) -> Section:
    from functions.tag_rotation.settings import DEFAULT_MAX_TPS

    section = Section(
        title="Tag rotation",
        method=METHOD.format(
            scale=scale_channels,
            fast=fast_rate,
            small=quota_channels,
            default=DEFAULT_MAX_TPS,
            account=ACCOUNT_CHANNELS,
        ),
    )
    scale = _run(scale_channels, fast_rate, quotas=False)
    summary = scale["summary"]
    done = summary["rotated"] + summary["updated"]
    section.add(
        "calls per channel",
        round(sum(scale["per_channel"].values()), 3),
        note=", ".join(f"{op} {n:.3f}" for op, n in sorted(scale["per_channel"].items())),
    )
    share = scale["achieved"] / fast_rate
    section.add(
        f"(A) achieved / configured rate, {scale_channels:,} channels",
        round(share * 100, 1),
        "%",
        target=f">= {TARGET_SHARE:.0%}",
        met=share >= TARGET_SHARE and summary["failed"] == 0 and done == scale_channels,
        note=(
            f"{scale['busiest']} at {scale['achieved']:.1f}/s vs {fast_rate:g}/s configured; "
            f"{done:,} of {scale_channels:,} rotated, {summary['failed']} failed, "
            f"{scale['invocations']} invocation(s), {scale['wall']:.1f} s, "
            f"CPU {scale['cpu_share']:.0%} of one core"
        ),
    )
    quota = _run(quota_channels, DEFAULT_MAX_TPS, quotas=True)
    q_summary = quota["summary"]
    q_done = q_summary["rotated"] + q_summary["updated"]
    q_share = quota["achieved"] / DEFAULT_MAX_TPS
    section.add(
        f"(B) throttles at real quotas, {quota_channels} channels",
        quota["throttled"],
        note=f"{quota['busiest']} at {quota['achieved']:.1f}/s ({q_share:.0%} of {DEFAULT_MAX_TPS:g})",
    )
    unretried = q_summary["failed"] + (quota_channels - q_done - q_summary["failed"])
    section.add(
        "(B) channels left unrotated (unretried throttles)",
        unretried,
        target="0",
        met=unretried == 0,
        note=f"{q_done} of {quota_channels} rotated, {q_summary['failed']} failed",
    )
    busiest_per_channel = max(scale["per_channel"].values())
    for rate, label in ((DEFAULT_MAX_TPS, "configured default"), (QUOTA_TPS, "the 50 TPS quota")):
        minutes = ACCOUNT_CHANNELS * busiest_per_channel / rate / 60
        section.add(
            f"projected full account ({ACCOUNT_CHANNELS:,} channels) at {label}", round(minutes, 1), "min"
        )
    return section
