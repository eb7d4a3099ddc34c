"""Lambda packaging: pins come from functions/requirements.txt; local bundling needs no Docker."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk import DockerImage

from infra.components.packaging import (
    FUNCTIONS_DIR,
    LocalBundler,
    pinned_requirements,
    pip_install_command,
)


def test_pins_are_read_from_the_function_requirements() -> None:
    pins = pinned_requirements(("PyJWT",))
    assert len(pins) == 1
    assert pins[0].startswith("PyJWT[crypto]==")
    assert pins[0] in (FUNCTIONS_DIR / "requirements.txt").read_text()


def test_an_unpinned_distribution_is_an_error() -> None:
    with pytest.raises(ValueError, match="left-pad"):
        pinned_requirements(("left-pad",))


def test_pip_targets_lambda_arm64_python_313_wheels_only() -> None:
    command = pip_install_command(["PyJWT[crypto]==2.15.1"], "/out")
    joined = " ".join(command)
    assert "--platform manylinux2014_aarch64" in joined
    assert "--only-binary=:all:" in command
    assert "--python-version 3.13" in joined
    assert "--implementation cp" in joined
    assert command[-3:] == ["--target", "/out", "PyJWT[crypto]==2.15.1"]


def test_local_bundling_copies_only_the_functions_package(tmp_path: Path) -> None:
    (FUNCTIONS_DIR / "__pycache__").mkdir(exist_ok=True)  # as any test run leaves behind
    bundled = LocalBundler([]).try_bundle(str(tmp_path), image=DockerImage.from_registry("unused"))
    assert bundled is True
    assert (tmp_path / "functions" / "__init__.py").is_file()
    assert (tmp_path / "functions" / "common" / "registry_schema.py").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["functions"]
    assert not list(tmp_path.rglob("__pycache__"))
    assert not list(tmp_path.rglob("*.pyc"))
