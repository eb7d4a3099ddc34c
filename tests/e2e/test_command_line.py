"""`python -m localcloud` as a person runs it: its functions' output readable while it runs, a bad
option refused with one line."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from localcloud.__main__ import main
from tests.e2e.conftest import start_cloud, stop_cloud

pytestmark = pytest.mark.e2e
LOG_WAIT_S = 15.0


def test_the_functions_log_fills_line_by_line_while_the_cloud_runs(tmp_path: Path) -> None:
    # A camera coming up registers: the lifecycle function runs and prints its EMF metrics.
    process, _ = start_cloud(tmp_path, "--cameras", "1")
    try:
        log = tmp_path / "functions.log"
        deadline = time.monotonic() + LOG_WAIT_S
        while not log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert process.poll() is None
        lines = log.read_text().splitlines()
        assert lines, "nothing in functions.log while the cloud runs (`tail -f` shows nothing)"
        assert all(isinstance(json.loads(line), dict) for line in lines)
    finally:
        stop_cloud(process)


@pytest.mark.parametrize("value", ["0", "-1", "10001", "two"])
def test_a_bad_cell_capacity_is_refused_with_one_line_naming_what_is_allowed(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--state-dir", str(tmp_path), "--cell-capacity", value, "token", "alice"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.splitlines() == [
        f"python -m localcloud: error: argument --cell-capacity: {value!r}: "
        "a whole number of channels per cell from 1 to 10000"
    ]
