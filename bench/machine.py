"""The machine the figures came from."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 (git from PATH, fixed arguments)
            capture_output=True,
            text=True,
            check=False,
            timeout=5,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return out.stdout.strip() or "unknown"


def describe() -> dict[str, str]:
    return {
        "uname": " ".join(platform.uname()),
        "cpu": _cpu_model(),
        "cpus": str(os.cpu_count()),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "commit": _git_commit(),
        # Other work on the machine skews timings; the load says how much there was.
        "loadavg_1m_at_start": f"{os.getloadavg()[0]:.2f}",
    }
