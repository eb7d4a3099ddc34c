"""The function's own settings on top of the shared ones."""

from __future__ import annotations

import pytest

from functions.common.settings import ConfigurationError
from functions.device_config.settings import DeviceConfigSettings

BASE = {"REGISTRY_TABLE_NAME": "camera-registry", "CAMERA_ROLE_NAME": "camera-device"}


def test_defaults() -> None:
    settings = DeviceConfigSettings.load(BASE)
    assert settings.check_in_interval_seconds == 60
    assert settings.camera_account_id is None  # the function's own account (identity.py)


def test_the_camera_role_name_is_required() -> None:
    # Without it any role's session named like a device would be that camera.
    with pytest.raises(ConfigurationError, match="CAMERA_ROLE_NAME"):
        DeviceConfigSettings.load({"REGISTRY_TABLE_NAME": "camera-registry"})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CHECK_IN_INTERVAL_SECONDS", "0"),
        ("CHECK_IN_INTERVAL_SECONDS", "soon"),
        ("CAMERA_ROLE_NAME", "a/b"),
        ("CAMERA_ROLE_NAME", "caméra"),  # IAM role names are ASCII
        ("CAMERA_ACCOUNT_ID", "12345678901"),
        ("CAMERA_ACCOUNT_ID", "١٢٣٤٥٦٧٨٩٠١٢"),  # digits of another script
        ("CAMERA_ACCOUNT_ID", "123456789012\n"),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        DeviceConfigSettings.load({**BASE, name: value})


def test_the_camera_credentials_last_15_minutes_to_an_hour() -> None:
    base = BASE
    assert DeviceConfigSettings.load(base).camera_credentials_duration_seconds == 900
    for bad in ("899", "3601"):
        with pytest.raises(ConfigurationError, match="CAMERA_CREDENTIALS_DURATION_SECONDS"):
            DeviceConfigSettings.load({**base, "CAMERA_CREDENTIALS_DURATION_SECONDS": bad})


def test_a_cell_whose_camera_role_name_would_be_too_long_fails_at_start() -> None:
    cells = '[{"id": "%s", "account": "123456789012", "region": "us-east-1", "capacity": 1}]' % ("c" * 32)
    settings = {**BASE, "CELLS": cells}
    assert DeviceConfigSettings.load({**settings, "ENVIRONMENT_NAME": "prod"})
    with pytest.raises(ConfigurationError, match=r"ENVIRONMENT_NAME.*camera role"):
        DeviceConfigSettings.load({**settings, "ENVIRONMENT_NAME": "p" * 25})


def test_the_camera_role_of_a_channels_cell_is_in_the_channels_account() -> None:
    settings = DeviceConfigSettings.load({**BASE, "ENVIRONMENT_NAME": "prod"})
    arn = "arn:aws-cn:kinesisvideo:cn-north-1:222222222222:channel/alexa-cam-cam-1/1700000000000"
    assert settings.camera_role_arn(arn, "b") == "arn:aws-cn:iam::222222222222:role/prod-camera-b"
