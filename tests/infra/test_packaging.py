"""Lambda packaging: one lock, functions/requirements.txt, is what the tests run and what the
dependency layer holds, for Lambda's arm64 / CPython 3.13; local bundling needs no Docker."""

from __future__ import annotations

import marshal
import re
import sys
from importlib import metadata
from pathlib import Path

import pytest
from aws_cdk import DockerImage

from infra.components.packaging import (
    FUNCTIONS_DIR,
    DependenciesBundler,
    FunctionsBundler,
    pip_lambda_options,
)

LOCK = FUNCTIONS_DIR / "requirements.txt"
TOP_LEVEL = FUNCTIONS_DIR / "requirements.in"
# CPython 3.13's bytecode: what Lambda's python3.13 runtime loads without compiling the source.
PYC_TAG = "cpython-313"
PYC_MAGIC_313 = (3571).to_bytes(2, "little") + b"\r\n"
UNCHECKED_HASH = 0b01  # the pyc header's flags: hash-based, source never checked
# Bundling compiles with the running Python, so it refuses any but the runtime's (the 3.11 fallback
# runs everything else).
needs_runtime_python = pytest.mark.skipif(
    sys.version_info[:2] != (3, 13), reason="bundling compiles bytecode with Lambda's Python, 3.13"
)


def bytecode_problems(root: Path, lambda_dir: str) -> list[str]:
    """Each module under `root` without its 3.13 unchecked-hash pyc naming the file as Lambda
    sees it (under `lambda_dir`); read here from the pyc headers, not by the code under test."""
    problems = []
    for source in sorted(root.rglob("*.py")):
        pyc = source.parent / "__pycache__" / f"{source.stem}.{PYC_TAG}.pyc"
        if not pyc.is_file():
            problems.append(f"no {PYC_TAG} pyc: {source.relative_to(root)}")
            continue
        data = pyc.read_bytes()
        if data[:4] != PYC_MAGIC_313 or int.from_bytes(data[4:8], "little") != UNCHECKED_HASH:
            problems.append(f"not 3.13 unchecked-hash: {pyc.relative_to(root)}")
            continue
        code = marshal.loads(data[16:])  # noqa: S302 (the build's own output)
        if code.co_filename != f"{lambda_dir}/{source.relative_to(root)}":
            problems.append(f"compiled with another path: {pyc.relative_to(root)}")
    stale = [p for p in root.rglob("*.pyc") if PYC_TAG not in p.name or p.parent.name != "__pycache__"]
    return problems + [f"other bytecode: {p.relative_to(root)}" for p in stale]


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked() -> dict[str, str]:
    """Name → version of every package in the lock (read here, not by the code under test)."""
    pins = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", LOCK.read_text(), flags=re.MULTILINE)
    return {normalized(name): version for name, version in pins}


def test_the_lock_holds_every_top_level_pin_and_each_package_has_hashes() -> None:
    versions = locked()
    for line in TOP_LEVEL.read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = re.split(r"(?:\[[^]]*\])?==", line)
            assert versions[normalized(name)] == version
    entries = re.split(r"\n(?=[A-Za-z0-9])", LOCK.read_text().split("\n", 2)[2])
    assert len(entries) == len(versions) >= 19  # transitive packages too (cryptography, cffi, ...)
    assert all("--hash=sha256:" in entry for entry in entries)


def test_the_test_environment_runs_the_locked_versions() -> None:
    installed = {name: metadata.version(name) for name in locked()}
    assert installed == locked()


@needs_runtime_python
def test_the_layer_holds_exactly_the_locked_versions_as_arm64_wheels(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    bundled = DependenciesBundler().try_bundle(str(tmp_path), image=DockerImage.from_registry("unused"))
    assert bundled is True
    site = tmp_path / "python"
    dists = list(metadata.distributions(path=[str(site)]))
    assert {normalized(d.metadata["Name"]): d.version for d in dists} == locked()
    tags = {d.metadata["Name"]: (d.read_text("WHEEL") or "") for d in dists}
    assert "aarch64" in tags["cryptography"]
    assert "cp313-cp313-manylinux" in tags["pydantic_core"]
    assert not [name for name, wheel in tags.items() if "x86_64" in wheel]
    assert "ERROR" not in capfd.readouterr().err
    # Lambda's /opt is read-only: without shipped bytecode every cold start compiles
    # cryptography, pydantic, boto3 ... from source.
    assert bytecode_problems(site, "/opt/python") == []


def test_pip_installs_lambda_arm64_python_313_wheels_as_locked_without_resolving() -> None:
    command = pip_lambda_options("/lock.txt")
    joined = " ".join(command)
    assert "--platform manylinux2014_aarch64" in joined
    assert "--only-binary=:all:" in command
    assert "--python-version 3.13" in joined
    assert "--implementation cp" in joined
    assert command[-4:] == ["--require-hashes", "--no-deps", "-r", "/lock.txt"]


@needs_runtime_python
def test_local_bundling_copies_only_the_functions_package(tmp_path: Path) -> None:
    (FUNCTIONS_DIR / "__pycache__").mkdir(exist_ok=True)  # as any test run leaves behind
    bundled = FunctionsBundler().try_bundle(str(tmp_path), image=DockerImage.from_registry("unused"))
    assert bundled is True
    assert (tmp_path / "functions" / "__init__.py").is_file()
    assert (tmp_path / "functions" / "common" / "registry" / "schema.py").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["functions"]
    assert not list(tmp_path.rglob("requirements.*"))  # the layer carries what they name


@needs_runtime_python
def test_the_functions_asset_ships_deterministic_313_bytecode_for_every_module(tmp_path: Path) -> None:
    # A test run leaves this interpreter's checked bytecode behind: the asset must not carry it.
    (FUNCTIONS_DIR / "__pycache__" / "stale.cpython-311.pyc").parent.mkdir(exist_ok=True)
    (FUNCTIONS_DIR / "__pycache__" / "stale.cpython-311.pyc").write_bytes(b"stale")
    first, second = tmp_path / "first", tmp_path / "second"
    for output in (first, second):
        output.mkdir()
        FunctionsBundler().try_bundle(str(output), image=DockerImage.from_registry("unused"))
    assert bytecode_problems(first / "functions", "/var/task/functions") == []
    # Byte for byte the same on every build: the asset's hash moves only with the code.
    built = sorted(p.relative_to(first) for p in first.rglob("*.pyc"))
    assert built == sorted(p.relative_to(second) for p in second.rglob("*.pyc"))
    assert all((first / p).read_bytes() == (second / p).read_bytes() for p in built)
