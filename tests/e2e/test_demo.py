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
    # Every function but the canary, which runs as the cloud's client (its last step), not in it.
    handlers = (Path(__file__).parents[2] / "functions").glob("*/handler.py")
    functions = len([h for h in handlers if h.parent.name != "canary"])
    assert f"the {functions} functions" in transcript.splitlines()[0]
    # Every invocation records what it did: Powertools finds metrics to publish each time.
    assert "No application metrics" not in result.stderr
    # Stopping waits for the queue pollers: no record is handled after its log or its peers closed.
    assert "Logging error" not in result.stderr
    assert "27/27 steps passed" in transcript
    # Frames are counted as aiortc decodes them on the simulated Alexa's side.
    decoded = re.search(r"(\d+) video frames decoded \((\d+)x(\d+)\)", transcript)
    assert decoded is not None, transcript
    assert int(decoded[1]) >= MIN_FRAMES
    assert (int(decoded[2]), int(decoded[3])) == (320, 240)
    assert "ErrorResponse NO_SUCH_ENDPOINT" in transcript
    # The outbound path: linked with a code exchange, reported, refreshed, deleted.
    assert "1 code exchange at LWA, grant stored" in transcript
    # The live-view canary, as after a deploy: its six steps against the local cloud.
    assert re.search(r"canary\S* \(cell [abc]\): ok, answer in \d+ ms", transcript), transcript
    assert "Alexa lists Front door, Garage (pushed, no Discover" in transcript
    assert "refreshed once and resent" in transcript
    assert "DeleteReport garage" in transcript
    # Cells: one camera in each of three accounts, a spill out of the full cell a, a live view from
    # a camera in each cell, a slot freed by the deregistration.
    for cell, account in (("a", "123456789012"), ("b", "222222222222"), ("c", "333333333333")):
        assert f"-> cell {cell} (account {account})" in transcript
    assert re.search(r"shed -> cell a \(1 -> 2/2: full\)\n\s+barn -> cell [bc] \(a is full", transcript)
    for cell in "bc":
        assert re.search(rf"cell {cell}: \w+ answered in \d+ ms, \d+ frames decoded", transcript)
    assert re.search(r"its slot in cell b is free \(2 -> 1/2\)", transcript)
    # Presence and the doorbell.
    assert re.search(
        r"ChangeReport UNREACHABLE \(PHYSICAL_INTERACTION\) accepted .*ReportState -> UNREACHABLE", transcript
    )
    assert re.search(r"ChangeReport OK \(PHYSICAL_INTERACTION\) accepted .*ReportState -> OK", transcript)
    assert re.search(
        r"DoorbellPress -> InitiateSessionWithOffer by Alexa itself.*\d+ frames decoded", transcript
    )
    # What the cameras see: announced with an image Alexa fetched, silenced, snapshot, history.
    assert re.search(r"ObjectDetected person .* -> ObjectDetection accepted", transcript)
    assert re.search(r"fetched its frame with alice's token: image/jpeg 480x360", transcript)
    assert "the next person is in the history" in transcript
    assert re.search(r"GetSnapshot -> Snapshot of .*image/jpeg 480x360 answered and fetched", transcript)
    assert re.search(
        r"DeleteData \w+ -> DeleteDataResponse; 1 event left, its image now answers 404", transcript
    )
    assert "bob's token -> 404; no token -> 401" in transcript
