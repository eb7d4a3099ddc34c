"""Package size: the function asset and the dependency layer, zipped as the CDK assets are built.

Both are built with the infrastructure's own packaging helpers (infra/components/packaging.py):
every function's asset is the `functions` package (same ignore patterns, then compiled to bytecode
as the bundler does); the layer is the lock,
functions/requirements.txt, pip-installed from its arm64 / cp313 wheels (fetched once into
.lambda-wheels/). The installed layer is kept under .bench-cache/ per lock, so repeated runs are quick.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from bench import stats
from bench.report import Section

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".bench-cache" / "layer"
LIMIT_BYTES = 5 * 1024 * 1024
# Lambda's limit for a function and its layers, unzipped.
UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024
METHOD = (
    "zip (deflate) of the assets built by infra/components/packaging.py's bundlers, their CPython "
    "3.13 unchecked-hash .pyc included: each function's is the `functions` package; the layer is "
    "the lock pip-installed with --platform "
    "manylinux2014_aarch64/manylinux_2_28_aarch64 --only-binary=:all: --python-version 3.13 "
    "--implementation cp --require-hashes --no-deps (cached in .bench-cache/). Resident memory: VmRSS "
    "of the cold-start interpreter after its first invocation (median), Python "
    f"{sys.version_info.major}.{sys.version_info.minor} on this machine, against the moto server."
)


# Run in a separate interpreter: importing aws_cdk starts the jsii runtime, which prints warnings
# about the node version at exit, into the table.
# Both assets as the stack's bundlers leave them, bytecode included.
_BUILD = """
import json, shutil, sys
from pathlib import Path
from infra.components import packaging as p
target = Path(sys.argv[1]) / p.lock_digest()
if not (target / ".complete").exists():
    shutil.rmtree(target, ignore_errors=True)
    p.install_dependencies(target / "python")
    (target / ".complete").touch()
p.FunctionsBundler().try_bundle(sys.argv[2], image=None)
print(json.dumps({"layer": str(target)}))
"""


def _build(asset: Path) -> Path:
    """The function asset built into `asset` and the layer (cached), by
    infra/components/packaging.py's own bundlers; the layer's folder."""
    done = subprocess.run(  # noqa: S603 (fixed argv)
        [sys.executable, "-c", _BUILD, str(CACHE), str(asset)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise RuntimeError(lines[-1] if lines else "pip failed")
    return Path(json.loads(done.stdout.strip().splitlines()[-1])["layer"])


def _zip_size(roots: list[tuple[Path, str]], ignored: tuple[str, ...] = ()) -> int:
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


def _unzipped_size(root: Path) -> int:
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file())


def measure(rss_kib: dict[str, list[int]]) -> Section:
    """The function asset and the layer, then the resident memory measured by the cold-start runs."""
    section = Section(title="Package", method=METHOD)
    with tempfile.TemporaryDirectory(prefix="bench-asset-") as asset:
        _add_sizes(section, Path(asset))
    for name, samples in rss_kib.items():
        if samples:
            section.add(f"{name}: RSS after first invocation", round(stats.median(samples) / 1024, 1), "MiB")
    return section


def _add_sizes(section: Section, asset: Path) -> None:
    try:
        layer = _build(asset)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        section.add("function asset zip", "n/a", note=f"pip could not build the layer: {exc}")
    else:
        code_only = _zip_size([(asset, "")])
        section.add(
            "function asset zip",
            round(code_only / 1024 / 1024, 2),
            "MiB",
            target="< 5 MiB",
            met=code_only < LIMIT_BYTES,
            note="the `functions` package with its bytecode: the same asset for every function",
        )
        layer_zip = _zip_size([(layer, "")], (".complete",))
        unzipped = _unzipped_size(layer) + _unzipped_size(asset)
        section.add(
            "dependency layer zip",
            round(layer_zip / 1024 / 1024, 2),
            "MiB",
            target="function + layer < 250 MiB unzipped",
            met=unzipped < UNZIPPED_LIMIT_BYTES,
            note=f"function + layer unzipped {unzipped / 1024 / 1024:.1f} MiB (bytecode included)",
        )
