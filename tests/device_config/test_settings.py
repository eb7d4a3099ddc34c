"""The function's own settings on top of the shared ones."""

from __future__ import annotations

import pytest

from functions.common.settings import ConfigurationError
from functions.device_config.settings import DeviceConfigSettings


def test_defaults() -> None:
    settings = DeviceConfigSettings.load({"REGISTRY_TABLE_NAME": "camera-registry"})
    assert settings.check_in_interval_seconds == 60
    assert settings.camera_role_name is None
    assert settings.camera_account_id is None


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
        DeviceConfigSettings.load({"REGISTRY_TABLE_NAME": "camera-registry", name: value})
