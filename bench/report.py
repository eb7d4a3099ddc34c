"""What a benchmark returns (sections of metrics), the printed table and the JSON file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

Value = float | int | str | None


class Metric(BaseModel):
    """One measured figure; `met` is None when the metric has no target."""

    name: str
    value: Value
    unit: str = ""
    target: str | None = None
    met: bool | None = None
    note: str = ""


class Section(BaseModel):
    title: str
    method: str
    metrics: list[Metric] = Field(default_factory=list)
    seconds: float = 0.0

    def add(self, name: str, value: Value, unit: str = "", **kwargs: Any) -> Metric:
        metric = Metric(name=name, value=value, unit=unit, **kwargs)
        self.metrics.append(metric)
        return metric

    def not_available(self, reason: str) -> None:
        self.add("n/a", "n/a", note=reason)


class Report(BaseModel):
    machine: dict[str, str]
    started_at: str
    seconds: float = 0.0
    sections: list[Section] = Field(default_factory=list)

    def missed_targets(self) -> list[tuple[str, Metric]]:
        return [(s.title, m) for s in self.sections for m in s.metrics if m.met is False]


def format_value(value: Value) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


def _status(metric: Metric) -> str:
    if metric.met is None:
        return ""
    return "met" if metric.met else "NOT MET"


def render(report: Report) -> str:
    """A plain-text table per section, then the methods, then the targets not met."""
    lines = [
        f"Benchmarks on {report.machine.get('cpu', '?')} x{report.machine.get('cpus', '?')}, "
        f"Python {report.machine.get('python', '?')}, load {report.machine.get('loadavg_1m_at_start', '?')}, "
        f"commit {report.machine.get('commit', '?')}",
        report.machine.get("uname", ""),
    ]
    for section in report.sections:
        rows = [
            (m.name, f"{format_value(m.value)} {m.unit}".strip(), m.target or "", _status(m), m.note)
            for m in section.metrics
        ]
        header = ("metric", "value", "target", "", "note")
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
        lines += ["", f"== {section.title} ({section.seconds:.1f} s)"]
        for row in [header, *rows]:
            cells = [row[i].ljust(widths[i]) for i in range(4)]
            lines.append("  ".join([*cells, row[4]]).rstrip())
    lines += ["", "How each section was measured:"]
    lines += [f"- {s.title}: {s.method}" for s in report.sections]
    missed = report.missed_targets()
    lines += ["", "Targets not met:" if missed else "All targets met."]
    lines += [f"- {title} / {m.name}: {format_value(m.value)} {m.unit} ({m.note})" for title, m in missed]
    lines.append(f"\nTotal {report.seconds:.1f} s")
    return "\n".join(lines)


def write(report: Report, directory: Path, name: str = "latest.json") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report.model_dump(mode="json"), indent=2) + "\n")
    tmp.replace(path)
    return path
