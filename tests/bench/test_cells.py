"""The cells benchmark at a tiny size, judged on behaviour (not time): every device registered
and placed within its cell's capacity, with its channel in that cell's account, nothing in the
dead-letter queue, and one rotation tagging every channel in its own cell."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_a_fleet_across_cells_registers_within_capacity_and_rotates_in_every_cell(tmp_path: Path) -> None:
    # Its own interpreter: the benchmark reloads the rotation handler with its own settings.
    done = subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
        [sys.executable, "-m", "bench", "--quick", "--only", "cells", "--out", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (section,) = json.loads((tmp_path / "cells.json").read_text())["sections"]
    metrics = {m["name"]: m for m in section["metrics"]}
    per_cell = metrics["devices per cell (placed / channels / capacity)"]
    assert per_cell["met"] is True, per_cell
    placed = [int(part.split()[1].split("/")[0]) for part in per_cell["value"].split(", ")]
    assert len(placed) == 3 and min(placed) > 0  # least loaded first: every cell took devices
    assert metrics["registration: registered / dead letters"]["met"] is True
    assert metrics["rotation: channels tagged per cell"]["met"] is True
