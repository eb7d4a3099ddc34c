"""Lambda code assets and the project's dependency layer, built without Docker.

Every function's asset holds only the `functions` package (handlers import `functions.<name>.handler`).
One layer holds every package of the lock, functions/requirements.txt (Powertools, pydantic,
cryptography, boto3/botocore and all they need), at exactly the locked versions: pip installs the
lock's arm64 / CPython 3.13 wheels with their hashes checked and no resolution (`--no-deps`), the
same lock the test environment is installed from.

Both assets carry CPython 3.13 bytecode: Lambda's code directories are read-only, so without it
every cold start compiles every module it imports from source. The .pyc files are unchecked-hash
(never compared with the source, which Lambda never changes; byte for byte the same on every
build), compiled by this interpreter, which must be the runtime's Python.
"""

from __future__ import annotations

import compileall
import hashlib
import os
import py_compile
import shutil
import subprocess
import sys
from pathlib import Path

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

PROJECT_DIR = Path(__file__).resolve().parents[2]
FUNCTIONS_DIR = PROJECT_DIR / "functions"
LOCK = FUNCTIONS_DIR / "requirements.txt"
# The lock's arm64 wheels, fetched once per lock so that synthesis after that needs no network.
WHEELHOUSE = PROJECT_DIR / ".lambda-wheels"
RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.ARM_64
# Lambda's Python 3.13 runtime is Amazon Linux 2023 (glibc 2.34): both wheel tags run there.
PIP_PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64")
IGNORED = ("__pycache__", "*.pyc", "*.pyo", ".mypy_cache", ".pytest_cache", "tests", "requirements.*")
QUIET = ("--quiet", "--disable-pip-version-check")
# Where Lambda mounts each asset: the path the bytecode names in tracebacks.
FUNCTION_ROOT = "/var/task"
LAYER_ROOT = "/opt/python"
COMPILE = "python -m compileall -q -j 1 --invalidation-mode unchecked-hash"


def lock_digest() -> str:
    return hashlib.sha256(LOCK.read_bytes()).hexdigest()


def pip_lambda_options(lock: str) -> list[str]:
    """Wheels for Lambda (arm64, CPython 3.13) whatever this machine is, exactly as locked."""
    platforms = [arg for platform in PIP_PLATFORMS for arg in ("--platform", platform)]
    version = RUNTIME.name.removeprefix("python")
    return [
        *platforms,
        *("--only-binary=:all:", "--implementation", "cp", "--python-version", version),
        *("--require-hashes", "--no-deps", "-r", lock),
    ]


def install_dependencies(target: Path) -> None:
    """pip-installs the lock for Lambda into `target`, from the wheelhouse (fetched if this lock's
    wheels are not there yet)."""
    # The machine's pip configuration files (extra indexes, constraints) have no say in what Lambda
    # gets: PyPI and the lock's hashes only.
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull}
    fetched = WHEELHOUSE / f"fetched-{lock_digest()}"
    if not fetched.exists():
        download = ["pip", "download", *QUIET, *pip_lambda_options(str(LOCK)), "--dest", str(WHEELHOUSE)]
        subprocess.run([sys.executable, "-m", *download], check=True, env=env)  # noqa: S603 (fixed argv)
        fetched.touch()
    install = ["pip", "install", *QUIET, "--no-compile", "--no-index", "--find-links", str(WHEELHOUSE)]
    install += [*pip_lambda_options(str(LOCK)), "--target", str(target)]
    subprocess.run([sys.executable, "-m", *install], check=True, env=env)  # noqa: S603 (fixed argv)
    compile_bytecode(target, LAYER_ROOT)


def compile_bytecode(root: Path, lambda_dir: str) -> None:
    """Every module under `root` compiled by the runtime's Python into its __pycache__, as
    unchecked-hash .pyc naming the file under `lambda_dir`."""
    version = RUNTIME.name.removeprefix("python")
    if f"{sys.version_info.major}.{sys.version_info.minor}" != version:
        raise RuntimeError(f"bundling needs Python {version} (the runtime's) to compile its bytecode")
    compiled = compileall.compile_dir(
        root,
        ddir=lambda_dir,
        quiet=1,
        workers=1,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    if not compiled:
        raise RuntimeError(f"a module under {root} does not compile")


@jsii.implements(ILocalBundling)
class FunctionsBundler:
    """Copies the `functions` package, and nothing else of this folder."""

    def try_bundle(self, output_dir: str, *, image: DockerImage, **_: object) -> bool:
        package = Path(output_dir) / "functions"
        shutil.copytree(FUNCTIONS_DIR, package, ignore=shutil.ignore_patterns(*IGNORED))
        compile_bytecode(package, f"{FUNCTION_ROOT}/functions")
        return True


@jsii.implements(ILocalBundling)
class DependenciesBundler:
    """The lock installed under `python/`, where Lambda puts a layer's packages on the path."""

    def try_bundle(self, output_dir: str, *, image: DockerImage, **_: object) -> bool:
        install_dependencies(Path(output_dir) / "python")
        return True


def function_code() -> lambda_.Code:
    """The `functions` package, the asset every function runs."""
    return lambda_.Code.from_asset(
        str(FUNCTIONS_DIR),
        exclude=list(IGNORED),
        bundling=BundlingOptions(
            # Never used: local bundling always succeeds. CDK asks for an image all the same.
            image=RUNTIME.bundling_image,
            command=[
                "bash",
                "-c",
                "cp -r /asset-input /asset-output/functions && "
                f"{COMPILE} -d {FUNCTION_ROOT}/functions /asset-output/functions",
            ],
            local=FunctionsBundler(),
        ),
    )


def dependencies_layer(scope: Construct) -> lambda_.LayerVersion:
    """The project's own layer of the locked packages; rebuilt only when the lock changes."""
    digest = lock_digest()
    # What the local bundler does, as the bundling image would do it (never used, but a true
    # account of the build: with the lock it makes the asset's hash).
    install = [
        "pip",
        "install",
        *pip_lambda_options("/asset-input/requirements.txt"),
        "-t",
        "/asset-output/python",
        f"&& {COMPILE} -d {LAYER_ROOT} /asset-output/python",
    ]
    code = lambda_.Code.from_asset(
        str(FUNCTIONS_DIR),
        asset_hash_type=AssetHashType.CUSTOM,
        asset_hash=hashlib.sha256(f"{digest} {install}".encode()).hexdigest(),
        bundling=BundlingOptions(
            image=RUNTIME.bundling_image,
            command=["bash", "-c", " ".join(install)],
            local=DependenciesBundler(),
        ),
    )
    return lambda_.LayerVersion(
        scope,
        "Dependencies",
        code=code,
        compatible_runtimes=[RUNTIME],
        compatible_architectures=[ARCHITECTURE],
        description=(
            f"functions/requirements.txt sha256 {digest[:16]}: Powertools, pydantic, cryptography, boto3"
        ),
    )
