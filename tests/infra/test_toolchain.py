"""The Node.js that `make synth`/`make deploy` run (npm, the CDK CLI and jsii) is the project's own:
the version toolchain/package.json pins and the README names, one jsii supports without a banner."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOOLCHAIN = ROOT / "toolchain"
# What a make target runs: `node` as found on the PATH the Makefile exports, and a CDK app on jsii.
PROBE = (
    "node-probe: ; @node --version && $(PY) -c 'import aws_cdk; aws_cdk.App(outdir=\"$(PROBE_OUT)\").synth()'"
)


def pinned_version() -> str:
    versions = set(json.loads((TOOLCHAIN / "package.json").read_text())["optionalDependencies"].values())
    (version,) = versions  # one Node.js version for every platform's build
    return str(version)


def test_the_readme_names_the_pinned_node() -> None:
    assert f"Node.js {pinned_version()}" in (ROOT / "README.md").read_text()


def test_make_runs_the_pinned_node_and_jsii_has_no_warning_for_it(tmp_path: Path) -> None:
    assert (TOOLCHAIN / "node_modules" / ".bin" / "node").exists(), "Node.js missing: run `make synth`"
    make = shutil.which("make")
    assert make is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS", "JSII_"))}
    result = subprocess.run(  # noqa: S603 (fixed argv)
        [
            make,
            "-s",
            "--no-print-directory",
            f"PY={sys.executable}",
            f"PROBE_OUT={tmp_path}",
            "--eval",
            PROBE,
            "node-probe",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"v{pinned_version()}"
    assert result.stderr == ""  # jsii's end-of-life, deprecated or untested Node banner goes here
