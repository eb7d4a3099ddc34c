"""Cold start of each handler in a fresh interpreter, beside the floor, and the resident memory
after the first invocation."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bench import emulated, environ, scenarios, stats
from bench.report import Section

REPO = Path(__file__).resolve().parent.parent
METHOD = (
    "each run is a fresh interpreter (`python -m bench.child`, with Lambda's LAMBDA_TASK_ROOT, "
    "AWS_LAMBDA_INITIALIZATION_TYPE and trace header set, X-Ray tracing on, segments sent by UDP to "
    "an address nobody listens on) that times the import of the handler module (its module-level "
    "initialization included: what Lambda's INIT phase runs), then one first invocation, against "
    "a moto server with the KVS emulation running in a thread of the benchmark process, so the function's "
    "process holds only what Lambda would load (no moto). The whole cold path is their sum: what "
    "Alexa waits for on a cold container. Floor: a fresh interpreter that imports boto3, creates a "
    "DynamoDB and a signaling client (botocore defaults) and makes the two calls no offer can "
    "avoid (GetItem, SendAlexaOfferToMaster). Targets interleaved round-robin after one discarded "
    "warm-up round (which also writes bytecode caches: Lambda ships none unless the asset does, "
    "so real cold starts compile too); median of {runs} runs; ratios are per round, then the "
    "median, so load that shifts during the run cancels out. Each first invocation gets its own "
    "fresh state (a new camera or event). Beside wall time, each child's CPU time (process_time: "
    "interpreter start included, every thread), which the load of a shared machine barely moves."
)
# What Lambda sets and the libraries look at: the X-Ray SDK samples locally instead of creating a
# sampling client (hundreds of milliseconds off Lambda), Powertools' Tracer is on and patches
# botocore, and its segments go by UDP to a daemon address nobody listens on (as cheap as on Lambda).
LAMBDA_ENV = {
    "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
    "LAMBDA_TASK_ROOT": str(REPO),
    "POWERTOOLS_TRACE_DISABLED": "false",
    "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
}
FLOOR = "floor (boto3, 2 clients, GetItem + SendAlexaOfferToMaster)"
# The skill's whole cold path against the floor's.
SKILL_TARGET = 1.3
# By instructions (valgrind's callgrind: the same process counts the same within 0.2 %, whatever
# the load of the machine), the whole cold process against the floor's.
INSTRUCTIONS_TARGET = 1.5
INSTRUCTIONS_METHOD = (
    " Instructions: one more run of the floor, the skill and the naive handler under valgrind "
    "--tool=callgrind (after the rounds above wrote the bytecode caches, as an asset with "
    "bytecode has them), the whole process: interpreter start, import + INIT and the first "
    "invocation; the skill's deadline raised to 5.9 s (the SLA allows under 6) so that the slowed "
    "run takes its normal path."
)


def _naive(env: dict[str, str]) -> scenarios.Invocation:
    """The baseline answers the same directive as the skill."""
    return scenarios.by_name("alexa_skill").prepare(env)


NAIVE = scenarios.Function("naive_skill (baseline)", "bench.naive_skill", _naive)


@dataclass
class Samples:
    init_s: list[float] = field(default_factory=list)
    first_invoke_s: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)
    cpu_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def cold_path_s(self) -> list[float]:
        """Per run: import + init + first invocation."""
        return [i + f for i, f in zip(self.init_s, self.first_invoke_s, strict=True)]


def _run_child(
    module: str | None,
    invocation: scenarios.Invocation,
    env: dict[str, str],
    wrapper: tuple[str, ...] = (),
    warm: int = 0,
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-child-") as tmp:
        spec, result = Path(tmp, "spec.json"), Path(tmp, "result.json")
        spec.write_text(
            json.dumps({"module": module, "attr": "handler", "event": invocation.event, "warm": warm})
        )
        child_env = environ.child_environment({**env, **invocation.env, **LAMBDA_ENV})
        done = subprocess.run(  # noqa: S603 (this interpreter, fixed module)
            [*wrapper, sys.executable, "-m", "bench.child", str(spec), str(result)],
            cwd=REPO,
            env=child_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=600 if wrapper else 120,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"child for {module} failed: {done.stderr.strip()[-500:]}")
        outcome: dict[str, Any] = json.loads(result.read_text())
        return outcome


def _instructions(
    module: str | None, invocation: scenarios.Invocation, env: dict[str, str], warm: int = 0
) -> int:
    """Instructions the whole child process executes, counted by callgrind (with `warm` more
    invocations after the first)."""
    with tempfile.TemporaryDirectory(prefix="bench-callgrind-") as tmp:
        out = Path(tmp, "callgrind.out")
        slow = replace(invocation, env={**invocation.env, "SKILL_DEADLINE_SECONDS": "5.9"})
        wrapper = ("valgrind", "--tool=callgrind", f"--callgrind-out-file={out}")
        outcome = _run_child(module, slow, env, wrapper, warm)
        problem = invocation.check(outcome["response"])
        if problem:
            raise RuntimeError(f"under callgrind {module or 'floor'}: {problem}")
        for line in out.read_text().splitlines():
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise RuntimeError("callgrind wrote no total")


def measure(runs: int, *, instructions: bool = True) -> tuple[Section, dict[str, Samples]]:
    section = Section(title="Cold start", method=METHOD.format(runs=runs))
    functions = [f for f in scenarios.FUNCTIONS if f.available()]
    if any(f.name == "alexa_skill" for f in functions):
        functions.append(NAIVE)
    floor = scenarios.Function(FLOOR, "", scenarios.floor)
    samples: dict[str, Samples] = {f.name: Samples() for f in [floor, *functions]}
    with emulated.server() as cloud:
        assert cloud.endpoint_url is not None
        env = {**cloud.env, "AWS_ENDPOINT_URL": cloud.endpoint_url}
        for round_ in range(runs + 1):
            for function in [floor, *functions]:
                invocation = function.prepare(env)
                outcome = _run_child(function.module or None, invocation, env)
                if not round_:
                    continue  # warm-up
                sample = samples[function.name]
                sample.init_s.append(outcome["init_s"])
                sample.first_invoke_s.append(outcome["first_invoke_s"])
                sample.rss_kib.append(outcome.get("rss_kib", 0))
                sample.cpu_s.append(outcome["cpu_s"])
                problem = invocation.check(outcome["response"])
                if problem:
                    sample.errors.append(problem)
        if instructions and shutil.which("valgrind"):
            section.method += INSTRUCTIONS_METHOD
            _add_instructions(section, env, [floor, *[f for f in functions if f.name in COUNTED]])
            _add_warm_instructions(section, env, scenarios.by_name("alexa_skill"))
    floor_total = samples[FLOOR].cold_path_s()
    section.add(FLOOR, stats.median(floor_total) * 1000, "ms", note=_failures(samples[FLOOR]))
    for function in functions:
        sample = samples[function.name]
        init_s, first_s = stats.median(sample.init_s), stats.median(sample.first_invoke_s)
        total = sample.cold_path_s()
        section.add(
            f"{function.name}: whole cold path",
            stats.median(total) * 1000,
            "ms",
            note=f"import + init {init_s * 1000:.1f} ms, first invocation {first_s * 1000:.1f} ms (medians)"
            + _failures(sample),
        )
        ratio = round(stats.median([t / f for t, f in zip(total, floor_total, strict=True)]), 2)
        cpu_ratio = stats.median([c / f for c, f in zip(sample.cpu_s, samples[FLOOR].cpu_s, strict=True)])
        section.add(
            f"{function.name}: CPU of the whole process, ratio to floor",
            round(cpu_ratio, 2),
            "x",
            note=f"{stats.median(sample.cpu_s) * 1000:.0f} ms against the floor's "
            f"{stats.median(samples[FLOOR].cpu_s) * 1000:.0f} ms (interpreter start included; "
            "barely moved by other load, unlike wall time)",
        )
        if function.name == "alexa_skill":
            after_init = stats.median(
                [f / t for f, t in zip(sample.first_invoke_s, floor_total, strict=True)]
            )
            section.add(
                f"{function.name}: first invocation after INIT",
                first_s * 1000,
                "ms",
                note="what SnapStart leaves on Alexa's clock, beside the snapshot's restore "
                f"({after_init:.2f}x the floor's whole path)",
            )
            section.add(
                f"{function.name}: ratio to floor",
                ratio,
                "x",
                target=f"<= {SKILL_TARGET}",
                met=ratio <= SKILL_TARGET,
            )
        else:
            section.add(f"{function.name}: ratio to floor", ratio, "x")
    return section, samples


COUNTED = ("alexa_skill", NAIVE.name)
# Warm offers counted per child: enough that the per-offer figure is steady to 1 %.
WARM_OFFERS = 100
# The skill's own work on a warm offer against the floor's two calls.
WARM_TARGET = 1.2


def _add_instructions(section: Section, env: dict[str, str], functions: list[scenarios.Function]) -> None:
    counts = {f.name: _instructions(f.module or None, f.prepare(env), env) for f in functions}
    floor = counts.pop(FLOOR)
    section.add(f"{FLOOR}: instructions", round(floor / 1e6), "M", note="callgrind, whole process")
    for name, count in counts.items():
        ratio = round(count / floor, 2)
        target = {"target": f"<= {INSTRUCTIONS_TARGET}", "met": ratio <= INSTRUCTIONS_TARGET}
        section.add(
            f"{name}: instructions, ratio to floor",
            ratio,
            "x",
            note=f"{count / 1e6:.0f} M",
            **(target if name == "alexa_skill" else {}),
        )


def _add_warm_instructions(section: Section, env: dict[str, str], skill: scenarios.Function) -> None:
    """Instructions per warm offer: the same child with WARM_OFFERS more offers after the first,
    less the child without them, over WARM_OFFERS; the floor's the same with its two calls."""
    per_offer: dict[str, float] = {}
    for function in (scenarios.Function(FLOOR, "", scenarios.floor), skill):
        invocation = function.prepare(env)
        counts = [_instructions(function.module or None, invocation, env, warm) for warm in (0, WARM_OFFERS)]
        per_offer[function.name] = (counts[1] - counts[0]) / WARM_OFFERS
    floor, ours = per_offer[FLOOR], per_offer[skill.name]
    ratio = round(ours / floor, 2)
    section.add(
        f"{skill.name}: instructions per warm offer, ratio to floor",
        ratio,
        "x",
        note=f"{ours / 1e6:.2f} M against the floor's {floor / 1e6:.2f} M (GetItem + "
        f"SendAlexaOfferToMaster on the same two clients); callgrind, {WARM_OFFERS} warm offers "
        "less none, over the count",
        target=f"<= {WARM_TARGET}",
        met=ratio <= WARM_TARGET,
    )


def _failures(sample: Samples) -> str:
    return f"; FAILED: {sample.errors[0]}" if sample.errors else ""
