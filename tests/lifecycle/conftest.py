"""Fixtures of the lifecycle tests: the emulated cloud, fresh settings, a registry reader."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from functions.common.registry.store import Registry
from functions.device_lifecycle.dependencies import dependencies


@pytest.fixture
def lifecycle(cloud_env: dict[str, str]) -> Iterator[Registry]:
    """The cloud with its environment, settings read from it; yields the registry."""
    from localcloud import kvs

    dependencies.cache_clear()
    kvs.clear_calls()
    yield Registry(os.environ["REGISTRY_TABLE_NAME"])
    kvs.reset_settings()
    dependencies.cache_clear()
