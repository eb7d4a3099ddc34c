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


def test_the_functions_log_fills_line_by_line_while_the_cloud_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A camera coming up registers: the lifecycle function logs it (at INFO) and prints its metrics.
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "INFO")
    process, _ = start_cloud(tmp_path, "--cameras", "1")
    try:
        log = tmp_path / "functions.log"
        deadline = time.monotonic() + LOG_WAIT_S
        while "lifecycle record applied" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert process.poll() is None
        lines = log.read_text().splitlines()
        assert any("lifecycle record applied" in line for line in lines), lines
        assert all(isinstance(json.loads(line), dict) for line in lines)
        # The terminal has the cloud's own lines only.
        terminal = (tmp_path / "cloud.log").read_text().splitlines()
        assert not [line for line in terminal if line.startswith("{")]
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
