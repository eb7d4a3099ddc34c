"""A local cloud in its own process (`python -m localcloud up`), as a person would run it.

The tests play the cameras and Alexa from the test process over HTTP and WebSocket, so the local
cloud's functions start cold in a clean process with exactly the environment `up` gives them.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from localcloud.cloud import CloudState, read_state

START_TIMEOUT_S = 30.0


def start_cloud(state_dir: Path, *extra: str) -> tuple[subprocess.Popen[bytes], CloudState]:
    # The child keeps its own copy of the log's file descriptor.
    with (state_dir / "cloud.log").open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
            [sys.executable, "-m", "localcloud", "--state-dir", str(state_dir), "up", *extra],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the local cloud exited: {(state_dir / 'cloud.log').read_text()}")
        if "Local cloud up" in (state_dir / "cloud.log").read_text():
            return process, read_state(state_dir)
        time.sleep(0.1)
    process.kill()
    raise TimeoutError("the local cloud did not start")


def stop_cloud(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudState]:
    """A running local cloud with no cameras; tests bring their own."""
    process, state = start_cloud(tmp_path_factory.mktemp("localcloud"), "--cameras", "0")
    yield state
    stop_cloud(process)
