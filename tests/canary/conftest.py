"""A local cloud in its own process, as `make local` runs it, with the canary camera registered."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest

from localcloud.aws.client import CloudClient, cloud_session
from localcloud.cameras.camera import SimulatedCamera
from localcloud.canary import CANARY_OWNER
from localcloud.cloud import CloudState
from tests.e2e.conftest import start_cloud, stop_cloud


def register_canary(state: CloudState) -> str:
    """A canary camera of the canary owner, registered through the lifecycle as any camera is."""
    device_id = f"canary-{uuid.uuid4().hex[:8]}"

    async def register() -> None:
        async with cloud_session(state.ca_file) as session:
            client = CloudClient(state.url, session, state.region)
            await SimulatedCamera(client, device_id, CANARY_OWNER, "Canary").register()

    asyncio.run(register())
    return device_id


def token(state: CloudState, expires_in: int = 3600) -> str:
    async def mint() -> str:
        async with cloud_session(state.ca_file) as session:
            return await CloudClient(state.url, session, state.region).token(CANARY_OWNER, expires_in)

    return asyncio.run(mint())


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudState]:
    process, state = start_cloud(tmp_path_factory.mktemp("localcloud"), "--cameras", "0")
    yield state
    stop_cloud(process)


@pytest.fixture
def ca_bundle(cloud: CloudState, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CA_BUNDLE", str(cloud.ca_file))
