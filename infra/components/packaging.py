"""Lambda code assets built without Docker, and the public Powertools layer.

Every asset holds the whole `functions` package (handlers import `functions.<name>.handler`).
Powertools and pydantic come from the public Powertools layer; a function bundles only the pinned
requirements it needs beyond the layer (the skill: PyJWT[crypto]), installed by pip for arm64.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsii
from aws_cdk import BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_ssm as ssm
from constructs import Construct

FUNCTIONS_DIR = Path(__file__).resolve().parents[2] / "functions"
REQUIREMENTS = FUNCTIONS_DIR / "requirements.txt"
RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.ARM_64
# Lambda's Python 3.13 runtime is Amazon Linux 2023 (glibc 2.34): both wheel tags run there.
PIP_PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64")
IGNORED = ("__pycache__", "*.pyc", "*.pyo", ".mypy_cache", ".pytest_cache", "tests")


def pinned_requirements(names: tuple[str, ...]) -> list[str]:
    """The lines of functions/requirements.txt for these distributions (one place for the pins)."""
    wanted = {name.lower() for name in names}
    pins = []
    for line in REQUIREMENTS.read_text().splitlines():
        spec = line.split("#", 1)[0].strip()
        match = re.match(r"^([A-Za-z0-9_.-]+)", spec)
        if match and match.group(1).lower() in wanted:
            pins.append(spec)
    missing = wanted - {re.split(r"[\[=<>~!]", p, maxsplit=1)[0].lower() for p in pins}
    if missing:
        raise ValueError(f"{REQUIREMENTS} pins none of {sorted(missing)}")
    return pins


def pip_install_command(requirements: list[str], target: str) -> list[str]:
    platforms = [arg for platform in PIP_PLATFORMS for arg in ("--platform", platform)]
    version = RUNTIME.name.removeprefix("python")
    return [
        *("pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile"),
        *platforms,
        *("--only-binary=:all:", "--implementation", "cp", "--python-version", version),
        *("--target", target, *requirements),
    ]


@jsii.implements(ILocalBundling)
class LocalBundler:
    """Copies `functions` and pip-installs the extra wheels for arm64 on this machine."""

    def __init__(self, requirements: list[str]) -> None:
        self._requirements = requirements

    def try_bundle(self, output_dir: str, *, image: DockerImage, **_: object) -> bool:
        shutil.copytree(
            FUNCTIONS_DIR, Path(output_dir) / "functions", ignore=shutil.ignore_patterns(*IGNORED)
        )
        if self._requirements:
            command = pip_install_command(self._requirements, output_dir)
            subprocess.run([sys.executable, "-m", *command], check=True)  # noqa: S603 (fixed argv)
        return True


def function_code(extra_requirements: tuple[str, ...] = ()) -> lambda_.Code:
    """The `functions` package plus the given pinned distributions, as one asset."""
    requirements = pinned_requirements(extra_requirements)
    install = " ".join(pip_install_command(requirements, "/asset-output")) if requirements else "true"
    return lambda_.Code.from_asset(
        str(FUNCTIONS_DIR),
        exclude=list(IGNORED),
        bundling=BundlingOptions(
            # Never used offline: local bundling always succeeds. Kept for machines without Python.
            image=RUNTIME.bundling_image,
            command=["bash", "-c", f"cp -r /asset-input /asset-output/functions && {install}"],
            local=LocalBundler(requirements),
        ),
    )


def powertools_layer_parameter() -> str:
    """The public SSM parameter naming the Powertools layer of the version pinned for the functions."""
    (pin,) = pinned_requirements(("aws-lambda-powertools",))
    version = pin.split("==", 1)[1]
    return f"/aws/service/powertools/python/arm64/{RUNTIME.name}/{version}"


def powertools_layer(scope: Construct) -> lambda_.ILayerVersion:
    """The public Powertools for AWS Lambda (Python) v3 layer for Python 3.13 on arm64, of exactly
    the pinned version: CloudFormation resolves its ARN from Powertools' public SSM parameter at
    deploy time, so synthesis stays offline and a version bump is one line in requirements.txt."""
    arn = ssm.StringParameter.value_for_string_parameter(scope, powertools_layer_parameter())
    return lambda_.LayerVersion.from_layer_version_arn(scope, "PowertoolsLayer", arn)
