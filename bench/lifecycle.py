"""Lifecycle: DeviceRegistered records through the handler, in SQS batches of ten."""

from __future__ import annotations

import time
from collections import Counter

from bench import emulated, scenarios, sink
from bench.meter import delta
from bench.report import Section

BATCH = 10
METHOD = (
    "moto and the KVS emulation in process (new channels turn ACTIVE at once). {n} new devices as "
    "DeviceRegistered EventBridge events in SQS batches of {batch}, handed to the handler as the "
    "event source mapping would (no queue round trip). Records/s = records / wall time of the "
    "handler calls, emulation included (it runs in this process, so this is a single-core "
    "figure for handler + emulation); own CPU per record as in the hot path (process CPU minus "
    "the emulation's); calls counted per attempt at botocore's before-send."
)


def measure(devices: int) -> Section:
    from functions.device_lifecycle.dependencies import dependencies
    from functions.device_lifecycle.handler import handler
    from localcloud.aws.lambda_context import LambdaContext

    section = Section(title="Lifecycle", method=METHOD.format(n=devices, batch=BATCH))
    with emulated.in_process() as cloud:
        meter = cloud.meter
        assert meter is not None
        dependencies.cache_clear()
        region = cloud.env["AWS_DEFAULT_REGION"]
        events = [scenarios.registration(cloud.env, f"life-{i:05d}") for i in range(devices)]
        batches = [scenarios.sqs_batch(events[i : i + BATCH], region) for i in range(0, devices, BATCH)]
        wall = cpu = 0.0
        failed = 0
        calls: Counter[str] = Counter()
        with sink.discard_output():
            for batch in batches:
                before_calls, before_emulation = meter.snapshot()
                started, started_cpu = time.perf_counter(), time.process_time()
                response = handler(batch, LambdaContext(function_name="device-lifecycle", timeout_s=60))
                cpu += time.process_time() - started_cpu
                wall += time.perf_counter() - started
                after_calls, after_emulation = meter.snapshot()
                cpu -= after_emulation - before_emulation
                calls += delta(before_calls, after_calls)
                failed += scenarios.batch_check(response) is not None
        dependencies.cache_clear()
    per_device = sum(calls.values()) / devices
    section.add(
        "records per second (handler + emulation, 1 core)",
        devices / wall,
        "rec/s",
        note=f"{devices} records, {len(batches)} batches" + (f"; {failed} batches FAILED" if failed else ""),
    )
    section.add("own CPU per record", cpu / devices * 1000, "ms")
    section.add(
        "AWS calls per new device",
        per_device,
        note=", ".join(f"{op} {n / devices:g}" for op, n in sorted(calls.items())),
    )
    return section
