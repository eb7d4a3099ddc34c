"""One rule for a valid deviceId, and every function that takes one agrees with it."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from functions.common.device_id import is_device_id
from functions.common.settings import ConfigurationError, FunctionSettings
from functions.device_config.errors import NotACamera
from functions.device_config.identity import device_id_from_caller
from functions.device_config.settings import DeviceConfigSettings
from functions.device_lifecycle.events import parse_event
from localcloud.aws.device_events import device_event

# (deviceId, valid): the README's `[a-zA-Z0-9_-]`, 2 to 64 characters.
CASES = [
    ("c", False),  # too short for an STS role session name
    ("cd", True),
    ("cam-1_A", True),
    ("c" * 64, True),
    ("c" * 65, False),  # too long for an STS role session name
    ("cam.1", False),  # a channel name allows the dot, an Alexa endpointId does not
    ("cam 1", False),
    ("cam/1", False),
    ("cam@1", False),  # a session name allows @, a channel name does not
    ("cam-1\n", False),
    ("", False),
]


def _lifecycle_accepts(device_id: str) -> bool:
    event = device_event("DeviceRegistered", {"deviceId": "cam-1", "ownerId": "u-1"}, account="123456789012")
    event["detail"]["deviceId"] = device_id
    try:
        parse_event(json.dumps(event))
    except ValidationError:
        return False
    return True


def _device_config_accepts(device_id: str) -> bool:
    settings = DeviceConfigSettings.load(
        {"REGISTRY_TABLE_NAME": "registry", "CAMERA_ROLE_NAME": "camera-device"}
    )
    try:
        device_id_from_caller(
            f"arn:aws:sts::123456789012:assumed-role/camera-device/{device_id}", settings, "123456789012"
        )
    except NotACamera:
        return False
    return True


@pytest.mark.parametrize(("device_id", "valid"), CASES)
def test_the_rule_and_every_function_agree(device_id: str, valid: bool) -> None:
    assert is_device_id(device_id) is valid
    assert _lifecycle_accepts(device_id) is valid
    assert _device_config_accepts(device_id) is valid


def test_the_longest_prefix_and_id_make_a_valid_channel_name() -> None:
    settings = FunctionSettings.load({"REGISTRY_TABLE_NAME": "registry", "CHANNEL_NAME_PREFIX": "p" * 64})
    assert len(settings.channel_name("c" * 64)) <= 256
    with pytest.raises(ConfigurationError, match="CHANNEL_NAME_PREFIX"):
        FunctionSettings.load({"REGISTRY_TABLE_NAME": "registry", "CHANNEL_NAME_PREFIX": "p" * 65})
