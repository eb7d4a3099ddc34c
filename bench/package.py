"""Package size: each function's asset zipped as the CDK asset is built, and its dependencies.

The asset is built with the infrastructure's own packaging helpers (infra/components/packaging.py):
the `functions` package (same ignore patterns) plus the pinned distributions the function bundles
beyond the public Powertools layer, pip-installed for manylinux aarch64 / cp313 with
--only-binary. Downloads are cached under .bench-cache/, so repeated runs are quick.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from bench import stats
from bench.report import Section

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".bench-cache" / "deps"
LIMIT_BYTES = 5 * 1024 * 1024
# Which pinned distributions each function bundles beyond the layer: mirrors the `code=` arguments
# in infra/service_stack.py (the skill bundles PyJWT[crypto]; the others share the bare package).
BUNDLED: dict[str, tuple[str, ...]] = {
    "alexa_skill": ("PyJWT",),
    "device_lifecycle": (),
    "tag_rotation": (),
    "device_config": (),
}
# Everything in functions/requirements.txt, bundled: what the layer saves each function.
WITHOUT_LAYER = ("aws-lambda-powertools", "pydantic", "PyJWT")
WITHOUT_LAYER_ROW = "for comparison: everything bundled, no layer"
METHOD = (
    "zip (deflate) of the asset built like infra/components/packaging.py: `functions` plus the "
    "pinned distributions the function bundles beyond the Powertools layer, pip-installed with "
    "--platform manylinux2014_aarch64/manylinux_2_28_aarch64 --only-binary=:all: "
    "--python-version 3.13 --implementation cp (cached in .bench-cache/). Resident memory: VmRSS "
    "of the cold-start interpreter after its first invocation (median), Python "
    f"{sys.version_info.major}.{sys.version_info.minor} on this machine, against the moto server."
)


# Run in a separate interpreter: importing aws_cdk starts the jsii runtime, which prints warnings
# about the node version at exit, into the table.
_PLAN = """
import json, sys
from infra.components import packaging as p
bundles = {k: p.pinned_requirements(tuple(v)) for k, v in json.loads(sys.argv[1]).items() if v}
commands = {k: p.pip_install_command(v, "{target}") for k, v in bundles.items()}
print(json.dumps({"ignored": list(p.IGNORED), "commands": commands}))
"""


def _plan(bundles: dict[str, tuple[str, ...]]) -> tuple[tuple[str, ...], dict[str, list[str]]]:
    """The ignore patterns and, per bundle, the pip command of infra/components/packaging.py."""
    done = subprocess.run(  # noqa: S603 (fixed argv)
        [sys.executable, "-c", _PLAN, json.dumps(bundles)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    plan = json.loads(done.stdout.strip().splitlines()[-1])
    return tuple(plan["ignored"]), plan["commands"]


def _zip_size(roots: list[tuple[Path, str]], ignored: tuple[str, ...]) -> int:
    """Bytes of a deflated zip of each (directory, name in the zip), skipping ignored patterns."""
    buffer = io.BytesIO()
    ignore = shutil.ignore_patterns(*ignored)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for root, prefix in roots:
            for folder, dirs, files in os.walk(root):
                skipped = ignore(folder, [*dirs, *files])
                dirs[:] = sorted(d for d in dirs if d not in skipped)
                for name in sorted(f for f in files if f not in skipped):
                    path = Path(folder, name)
                    archive.write(path, str(Path(prefix, path.relative_to(root))))
    return buffer.getbuffer().nbytes


def _dependencies(command: list[str]) -> Path:
    """The pip --target folder of this install command, built once and cached."""
    target = CACHE / hashlib.sha256("\n".join(command).encode()).hexdigest()[:16]
    if not (target / ".complete").exists():
        shutil.rmtree(target, ignore_errors=True)
        argv = [str(target) if arg == "{target}" else arg for arg in command]
        done = subprocess.run(  # noqa: S603 (fixed argv from the packaging helper)
            [sys.executable, "-m", *argv], capture_output=True, text=True, timeout=300, check=False
        )
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines()
            raise RuntimeError(lines[-1] if lines else "pip failed")
        (target / ".complete").touch()
    return target


def measure(rss_kib: dict[str, list[int]]) -> Section:
    """Asset sizes per function, then the resident memory measured by the cold-start runs."""
    section = Section(title="Package", method=METHOD)
    ignored, commands = _plan({**BUNDLED, WITHOUT_LAYER_ROW: WITHOUT_LAYER})
    code_only = _zip_size([(REPO / "functions", "functions")], ignored)
    section.add("`functions` package alone", round(code_only / 1024, 1), "KiB")
    for name, bundled in [*BUNDLED.items(), (WITHOUT_LAYER_ROW, WITHOUT_LAYER)]:
        try:
            deps_size = _zip_size([(_dependencies(commands[name]), "")], ignored) if bundled else 0
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            section.add(f"{name}: asset zip", "n/a", note=f"pip could not build the dependencies: {exc}")
            continue
        total = code_only + deps_size
        comparison = name == WITHOUT_LAYER_ROW
        section.add(
            name if comparison else f"{name}: asset zip",
            round(total / 1024 / 1024, 2),
            "MiB",
            target=None if comparison else "< 5 MiB",
            met=None if comparison else total < LIMIT_BYTES,
            note=f"dependencies {deps_size / 1024 / 1024:.2f} MiB ({', '.join(bundled) or 'none'})",
        )
    for name, samples in rss_kib.items():
        if samples:
            section.add(f"{name}: RSS after first invocation", round(stats.median(samples) / 1024, 1), "MiB")
    return section
