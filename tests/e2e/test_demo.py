"""`make demo` as a test: the scripted run in its own process, judged by its exit code and transcript."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from localcloud.demo import MIN_FRAMES

pytestmark = pytest.mark.e2e


def test_the_scripted_demo_passes_every_step(tmp_path: Path) -> None:
    result = subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
        [sys.executable, "-m", "localcloud", "--state-dir", str(tmp_path), "demo"],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    transcript = result.stdout
    assert result.returncode == 0, transcript + result.stderr
    assert "FAIL" not in transcript
    assert "18/18 steps passed" in transcript
    # Frames are counted as aiortc decodes them on the simulated Alexa's side.
    decoded = re.search(r"(\d+) video frames decoded \((\d+)x(\d+)\)", transcript)
    assert decoded is not None, transcript
    assert int(decoded[1]) >= MIN_FRAMES
    assert (int(decoded[2]), int(decoded[3])) == (320, 240)
    assert "ErrorResponse NO_SUCH_ENDPOINT" in transcript
    # The outbound path: linked with a code exchange, reported, refreshed, deleted.
    assert "1 code exchange at LWA, grant stored" in transcript
    assert "Alexa lists Front door, Garage (pushed, no Discover" in transcript
    assert "refreshed once and resent" in transcript
    assert "DeleteReport garage" in transcript
    # Presence and the doorbell.
    assert re.search(
        r"ChangeReport UNREACHABLE \(PHYSICAL_INTERACTION\) accepted .*ReportState -> UNREACHABLE", transcript
    )
    assert re.search(r"ChangeReport OK \(PHYSICAL_INTERACTION\) accepted .*ReportState -> OK", transcript)
    assert re.search(
        r"DoorbellPress -> InitiateSessionWithOffer by Alexa itself.*\d+ frames decoded", transcript
    )
