"""Each cell's schedule names its own canary camera; `make smoke` (an empty event) runs them all."""

from __future__ import annotations

import pytest

from functions.canary.settings import CanarySettings

ENVIRONMENT = {
    "CANARY_DEVICE_IDS": "canary-a,canary-b",
    "CANARY_SKILL_FUNCTION": "arn:aws:lambda:us-east-1:111111111111:function:skill:live",
    "CANARY_CONFIG_URL": "https://api.example.com/config",
    "CANARY_CAMERA_ROLE_ARN": "arn:aws:iam::111111111111:role/camera",
    "CANARY_TOKEN_SECRET_ID": "canary",
    "CANARY_IDENTITY_PROVIDER": "refresh",
    "REGISTRY_TABLE_NAME": "registry",
}


@pytest.fixture
def settings() -> CanarySettings:
    return CanarySettings.load(ENVIRONMENT)


def test_a_cells_schedule_runs_only_its_camera(settings: CanarySettings) -> None:
    assert settings.devices_for({"deviceIds": ["canary-b"]}) == ("canary-b",)


def test_an_empty_event_runs_every_camera(settings: CanarySettings) -> None:
    assert settings.devices_for({}) == ("canary-a", "canary-b")


def test_an_event_cannot_name_a_camera_the_canary_does_not_own(settings: CanarySettings) -> None:
    assert settings.devices_for({"deviceIds": ["customer-camera", "canary-a"]}) == ("canary-a",)
