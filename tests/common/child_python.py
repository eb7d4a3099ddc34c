"""Code run in a fresh interpreter of this venv at the repository's root, as tests that need a
clean process (Lambda's INIT, the X-Ray patches, what an import loads) run it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str, *args: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """`python -c code args...`; fails the test, with the child's stderr, unless it exits 0."""
    run = subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return run


def last_json_line(run: subprocess.CompletedProcess[str]) -> Any:
    """What the child printed last, as JSON."""
    return json.loads(run.stdout.splitlines()[-1])
