"""Smoke test: `python -m bench --quick` runs every benchmark on tiny sizes and writes its JSON.

It runs in a separate interpreter because the rotation benchmark reloads the rotation handler
module with its own settings, which must not leak into other tests of this worker. Figures from
tiny sizes mean nothing, so only structure and the deterministic call counts are checked.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SECTIONS = {
    "Cold start",
    "Live-view hot path",
    "Tag rotation",
    "Lifecycle",
    "Alexa events",
    "Registration burst",
    "Presence and doorbells",
    "Cells",
    "Detections and snapshots",
    "Package",
}


def test_quick_run_writes_every_section(tmp_path: Path) -> None:
    done = subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
        [sys.executable, "-m", "bench", "--quick", "--out", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,  # every section, the cells run included, on a loaded machine
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "How each section was measured" in done.stdout
    report = json.loads((tmp_path / "latest.json").read_text())
    titles = [s["title"] for s in report["sections"]]
    assert sorted(titles) == sorted(SECTIONS)  # each once: a whole run measures each section once
    sections = {s["title"]: {m["name"]: m for m in s["metrics"]} for s in report["sections"]}
    assert report["machine"]["python"] == sys.version.split()[0]

    cold = sections["Cold start"]
    assert cold["floor (boto3, 2 clients, GetItem + SendAlexaOfferToMaster)"]["value"] > 0
    for function in (
        "alexa_skill",
        "alexa_skill (item without endpoint)",
        "device_lifecycle",
        "tag_rotation",
        "device_config",
        "naive_skill (baseline)",
    ):
        assert cold[f"{function}: whole cold path"]["value"] > 0
        assert "FAILED" not in cold[f"{function}: whole cold path"]["note"]
        assert cold[f"{function}: CPU of the whole process, ratio to floor"]["value"] > 0

    hot = sections["Live-view hot path"]
    assert hot["alexa_skill: AWS calls per offer (warm)"]["value"] == 2
    assert hot["naive_skill (baseline): AWS calls per offer (warm)"]["value"] == 4
    assert "FAILED" not in hot["alexa_skill: own CPU per offer p50"]["note"]

    rotation = sections["Tag rotation"]
    assert rotation["(B) channels left unrotated (unretried throttles)"]["value"] == 0
    assert rotation["calls per channel"]["value"] >= 2  # one read and one write per channel at least

    lifecycle = sections["Lifecycle"]
    assert lifecycle["AWS calls per new device"]["value"] >= 2
    assert "FAILED" not in lifecycle["records per second (handler + emulation, 1 core)"]["note"]

    events = sections["Alexa events"]
    assert events["LWA calls per event (tokens fresh)"]["value"] == 0
    assert events["gateway calls per event (tokens fresh)"]["value"] == 1
    assert events["LWA refreshes per user after the tokens expired"]["value"] == 1
    assert "FAILED" not in events["events delivered per second (handler + emulations, 1 core)"]["note"]

    presence = sections["Presence and doorbells"]
    for label in ("DeviceDisconnected → ChangeReport accepted", "DoorbellPressed → DoorbellPress accepted"):
        assert "LOST" not in presence[f"{label} p50"]["note"]
        assert presence[f"{label} p95"]["value"] > 0

    vision = sections["Detections and snapshots"]
    for label in (
        "ObjectDetected published → ObjectDetection at the gateway",
        "GetSnapshot answered and its image fetched",
        "ReportData page of 10 of 100 stored",
    ):
        assert "LOST" not in vision[f"{label} p50"]["note"]
        assert "WRONG" not in vision[f"{label} p50"]["note"]
        assert vision[f"{label} p95"]["value"] > 0
    # A page reads its own items, whatever the history holds.
    assert vision["items read per ReportData page (Query ScannedCount)"]["value"] == 10
    assert vision["items read per ReportData page (Query ScannedCount)"]["met"] is True

    package = sections["Package"]
    assert all(
        m["value"] == "n/a" or m["value"] > 0 for name, m in package.items() if name.endswith("asset zip")
    )

    burst = sections["Registration burst"]
    for run in ("production quotas", "quotas x0.1"):
        assert burst[f"{run}: dead letters"]["met"] is True
        assert burst[f"{run}: channels / registry entries"]["met"] is True
