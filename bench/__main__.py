"""`python -m bench`: every benchmark on the local emulation; a table on stdout, JSON in bench/results/.

`--quick` runs tiny sizes (seconds, for the smoke test); figures from it mean nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench import (
    alexa_events,
    burst,
    cells,
    cold_start,
    detections,
    hot_path,
    lifecycle,
    machine,
    package,
    presence,
    rotation,
)
from bench.report import Report, Section, render, write

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Sizes:
    cold_runs: int
    directives: int
    new_devices: int
    scale_channels: int
    fast_rate: float
    quota_channels: int
    alexa_events: int
    burst_events: int
    scaled_burst_events: int
    presence_cameras: int
    cells_events: int
    cells_capacity: int
    detection_samples: int
    detection_history: int


# A burst at quota x0.1 (5 creates/s): 300 events take a minute at least.
BURST_QUOTA_SCALE = 0.1
# Cells at quota x0.04 (2 creates/s per account): 120 devices over three cells take 20 s at least
# (60 s in one account); a record out of its budget comes back after 30 s, not 360.
CELLS_QUOTA_SCALE = 0.04
CELLS_VISIBILITY_S = 30
FULL = Sizes(
    cold_runs=7,
    directives=500,
    new_devices=500,
    scale_channels=3_000,
    fast_rate=150,
    quota_channels=200,
    alexa_events=500,
    burst_events=2_000,
    scaled_burst_events=300,
    presence_cameras=100,
    cells_events=120,
    cells_capacity=50,
    detection_samples=50,
    detection_history=10_000,
)
QUICK = Sizes(
    cold_runs=1,
    directives=10,
    new_devices=20,
    scale_channels=30,
    fast_rate=500,
    quota_channels=10,
    alexa_events=20,
    burst_events=20,
    scaled_burst_events=10,
    presence_cameras=5,
    cells_events=9,
    cells_capacity=5,
    detection_samples=3,
    detection_history=100,
)


def _standalone(sizes: Sizes) -> dict[str, Callable[[], Section]]:
    """The sections that stand alone, by name (cold start also feeds the package section its
    memory samples, so the package section runs only in a whole run)."""
    return {
        "cold-start": lambda: cold_start.measure(sizes.cold_runs, instructions=sizes is FULL)[0],
        "hot-path": lambda: hot_path.measure(sizes.directives),
        "rotation": lambda: rotation.measure(sizes.scale_channels, sizes.fast_rate, sizes.quota_channels),
        "lifecycle": lambda: lifecycle.measure(sizes.new_devices),
        "alexa-events": lambda: alexa_events.measure(sizes.alexa_events),
        "burst": lambda: burst.measure(sizes.burst_events, sizes.scaled_burst_events, BURST_QUOTA_SCALE),
        "presence": lambda: presence.measure(sizes.presence_cameras),
        "detections": lambda: detections.measure(sizes.detection_samples, sizes.detection_history),
        "cells": lambda: cells.measure(
            sizes.cells_events, sizes.cells_capacity, CELLS_QUOTA_SCALE, CELLS_VISIBILITY_S
        ),
    }


def _timed(name: str, run: Callable[[], Section]) -> Section:
    # A whole run takes about 20 minutes: say on stderr which section is running and how long each took.
    print(f"bench: {name} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    section = run()
    section.seconds = time.perf_counter() - started
    print(f"bench: {name} done in {section.seconds:.0f} s", file=sys.stderr, flush=True)
    return section


def main(argv: list[str] | None = None) -> Report:
    # Powertools warns on every invocation that publishes no metric; not news for a benchmark.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that everything runs")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder of latest.json")
    parser.add_argument(
        "--only",
        choices=list(_standalone(FULL)),
        help="run one section; its JSON goes to <name>.json beside latest.json",
    )
    args = parser.parse_args(argv)
    quick: bool = args.quick
    sizes = QUICK if quick else FULL

    started = time.perf_counter()
    report = Report(machine=machine.describe(), started_at=datetime.now(UTC).isoformat(timespec="seconds"))
    if quick:
        report.machine["mode"] = "quick (tiny sizes; not figures)"

    if args.only is not None:
        report.sections.append(_timed(args.only, _standalone(sizes)[args.only]))
    else:
        # Counted by callgrind in a full run only (minutes; --quick checks that everything runs).
        samples: dict[str, cold_start.Samples] = {}

        def cold() -> Section:
            section, by_function = cold_start.measure(runs=sizes.cold_runs, instructions=not quick)
            samples.update(by_function)
            return section

        report.sections.append(_timed("cold-start", cold))
        # Cold start ran above (the package section needs its memory samples).
        others = {name: run for name, run in _standalone(sizes).items() if name != "cold-start"}
        report.sections.extend(_timed(name, run) for name, run in others.items())
        rss = {name: s.rss_kib for name, s in samples.items()}
        report.sections.append(_timed("package", lambda: package.measure(rss)))

    report.seconds = time.perf_counter() - started
    print(render(report))
    print(f"JSON: {write(report, args.out, f'{args.only}.json' if args.only else 'latest.json')}")
    return report


if __name__ == "__main__":
    main()
