"""`python -m bench`: every benchmark on the local emulation; a table on stdout, JSON in bench/results/.

`--quick` runs tiny sizes (seconds, for the smoke test); figures from it mean nothing.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import cold_start, machine, package
from bench.report import Report, Section, render, write

RESULTS = Path(__file__).resolve().parent / "results"


def _timed(run: Callable[[], Section]) -> Section:
    started = time.perf_counter()
    section = run()
    section.seconds = time.perf_counter() - started
    return section


def main(argv: list[str] | None = None) -> Report:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that everything runs")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder of latest.json")
    args = parser.parse_args(argv)
    quick: bool = args.quick

    started = time.perf_counter()
    report = Report(machine=machine.describe(), started_at=datetime.now(UTC).isoformat(timespec="seconds"))
    if quick:
        report.machine["mode"] = "quick (tiny sizes; not figures)"

    cold_started = time.perf_counter()
    cold, samples = cold_start.measure(runs=1 if quick else 7)
    cold.seconds = time.perf_counter() - cold_started
    report.sections.append(cold)
    rss = {name: s.rss_kib for name, s in samples.items()}
    report.sections.append(_timed(lambda: package.measure(rss)))

    report.seconds = time.perf_counter() - started
    print(render(report))
    print(f"JSON: {write(report, args.out)}")
    return report


if __name__ == "__main__":
    main()
