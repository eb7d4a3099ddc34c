"""Fixtures for tag rotation tests: the local cloud's resources, fast rate settings, a fleet."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from functions.tag_rotation.settings import RotationSettings
from localcloud import kvs
from tests.rotation.support import ENVIRONMENT, PREFIX, Fleet


@pytest.fixture
def rotation_env(cloud_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Resources created; rotation fast enough for tests (quota-level rates are set per test)."""
    kvs.reset_faults()
    kvs.reset_settings()
    kvs.clear_calls()
    values = {
        "CHANNEL_NAME_PREFIX": PREFIX,
        "ENVIRONMENT_NAME": ENVIRONMENT,
        "ROTATION_MAX_TPS": "5000",
        "ROTATION_WORKERS": "8",
        "ROTATION_STOP_MARGIN_SECONDS": "0",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    yield cloud_env | values
    kvs.reset_faults()
    kvs.clear_calls()


@pytest.fixture
def settings(rotation_env: dict[str, str]) -> RotationSettings:
    return RotationSettings.load()


@pytest.fixture
def fleet(rotation_env: dict[str, str]) -> Fleet:
    return Fleet(rotation_env["REGISTRY_TABLE_NAME"])
