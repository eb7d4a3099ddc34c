"""Cold start of each handler in a fresh interpreter, beside the floor, and the resident memory
after the first invocation."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import emulated, environ, scenarios, stats
from bench.report import Section

REPO = Path(__file__).resolve().parent.parent
METHOD = (
    "each run is a fresh interpreter (`python -m bench.child`) that times the import of the "
    "handler module (its module-level initialization included: what Lambda's INIT phase runs), "
    "then one first invocation, against a moto server with the KVS emulation running in a thread "
    "of the benchmark process, so the function's process holds only what Lambda would load (no "
    "moto). Handlers that build clients and settings on first use pay that in the first "
    "invocation, shown beside. Floor: a fresh interpreter that imports boto3 and creates one "
    "client. Targets interleaved round-robin after one discarded warm-up round (which also writes "
    "bytecode caches: Lambda ships none unless the asset does, so real cold starts compile too); "
    "median of {runs} runs. Each first invocation gets its own fresh state (a new camera or event)."
)
FLOOR = "floor (boto3 + 1 client)"


def _naive(env: dict[str, str]) -> scenarios.Invocation:
    """The baseline answers the same directive as the skill."""
    return scenarios.by_name("alexa_skill").prepare(env)


NAIVE = scenarios.Function("naive_skill (baseline)", "bench.naive_skill", _naive)


@dataclass
class Samples:
    init_s: list[float] = field(default_factory=list)
    first_invoke_s: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _run_child(
    module: str | None, invocation: scenarios.Invocation | None, env: dict[str, str]
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-child-") as tmp:
        spec, result = Path(tmp, "spec.json"), Path(tmp, "result.json")
        spec.write_text(
            json.dumps(
                {"module": module, "attr": "handler", "event": invocation.event if invocation else None}
            )
        )
        child_env = environ.child_environment({**env, **(invocation.env if invocation else {})})
        done = subprocess.run(  # noqa: S603 (this interpreter, fixed module)
            [sys.executable, "-m", "bench.child", str(spec), str(result)],
            cwd=REPO,
            env=child_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"child for {module} failed: {done.stderr.strip()[-500:]}")
        outcome: dict[str, Any] = json.loads(result.read_text())
        return outcome


def measure(runs: int) -> tuple[Section, dict[str, Samples]]:
    section = Section(title="Cold start", method=METHOD.format(runs=runs))
    functions = [f for f in scenarios.FUNCTIONS if f.available()]
    if any(f.name == "alexa_skill" for f in functions):
        functions.append(NAIVE)
    samples: dict[str, Samples] = {FLOOR: Samples(), **{f.name: Samples() for f in functions}}
    with emulated.server() as cloud:
        assert cloud.endpoint_url is not None
        env = {**cloud.env, "AWS_ENDPOINT_URL": cloud.endpoint_url}
        for round_ in range(runs + 1):
            floor = _run_child(None, None, env)
            if round_:
                samples[FLOOR].init_s.append(floor["init_s"])
            for function in functions:
                invocation = function.prepare(env)
                outcome = _run_child(function.module, invocation, env)
                if not round_:
                    continue  # warm-up
                sample = samples[function.name]
                sample.init_s.append(outcome["init_s"])
                sample.first_invoke_s.append(outcome["first_invoke_s"])
                sample.rss_kib.append(outcome["rss_kib"])
                problem = invocation.check(outcome["response"])
                if problem:
                    sample.errors.append(problem)
    floor_s = stats.median(samples[FLOOR].init_s)
    section.add(FLOOR, floor_s * 1000, "ms", note=f"median of {runs}")
    for name, sample in samples.items():
        if name == FLOOR:
            continue
        init_s = stats.median(sample.init_s)
        note = f"first invocation {stats.median(sample.first_invoke_s) * 1000:.1f} ms (median)"
        if sample.errors:
            note += f"; first invocation FAILED: {sample.errors[0]}"
        section.add(f"{name}: import + init", init_s * 1000, "ms", note=note)
        section.add(f"{name}: ratio to floor", round(init_s / floor_s, 2), "x")
        total = [i + f for i, f in zip(sample.init_s, sample.first_invoke_s, strict=True)]
        section.add(f"{name}: import + first invocation", stats.median(total) * 1000, "ms")
    return section, samples
