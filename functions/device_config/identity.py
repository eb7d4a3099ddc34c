"""Which camera is calling: the deviceId is the session name of the caller's assumed-role ARN.

API Gateway (IAM authorization) puts the SigV4 signer's ARN in
`requestContext.authorizer.iam.userArn`. Cameras sign with credentials of the camera role whose
session name is their deviceId (the AWS IoT credentials provider names the session after the
thing), so the ARN reads `arn:aws:sts::{account}:assumed-role/{cameraRole}/{deviceId}`. The
request's body and query never name the device.
"""

from __future__ import annotations

import re

from functions.common.device_id import is_device_id
from functions.device_config.errors import NotACamera
from functions.device_config.settings import DeviceConfigSettings

_ASSUMED_ROLE_ARN = re.compile(
    r"^arn:aws(?:-cn|-us-gov)?:sts::(?P<account>\d{12}):assumed-role/(?P<role>[\w+=,.@-]{1,64})/(?P<session>[\w+=,.@-]{2,64})$",
    re.ASCII,  # IAM names are ASCII; \w must not admit other scripts' letters
)


def device_id_from_caller(user_arn: str, settings: DeviceConfigSettings, function_account: str) -> str:
    """The caller's deviceId, or NotACamera when the ARN is not a session of the camera role in the
    camera account (`CAMERA_ACCOUNT_ID`, else the function's own account): a role of the same name
    in another account that may call the API is not the camera role.

    Patterns are matched whole (`fullmatch`): `$` alone also matches before a trailing newline."""
    match = _ASSUMED_ROLE_ARN.fullmatch(user_arn)
    if match is None:
        raise NotACamera("the caller is not an assumed-role session")
    if match["account"] != (settings.camera_account_id or function_account):
        raise NotACamera("the caller's session is not in the camera role's account")
    if match["role"] != settings.camera_role_name:
        raise NotACamera("the caller's role is not the camera role")
    device_id = match["session"]
    if not is_device_id(device_id):
        raise NotACamera("the caller's session name is not a valid deviceId")
    return device_id


def refuse_other_device(named: str | None, caller: str) -> None:
    """A request that names a device other than the caller is refused, never served."""
    if named is not None and named != caller:
        raise NotACamera("a camera may only ask for its own configuration")
