"""The rotation function's settings, read and validated once per container on first use.

Tests change the environment and call `dependencies.cache_clear()` for a new container.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from functions.tag_rotation.settings import RotationSettings


@dataclass(frozen=True)
class Dependencies:
    settings: RotationSettings


@cache
def dependencies() -> Dependencies:
    return Dependencies(settings=RotationSettings.load())
