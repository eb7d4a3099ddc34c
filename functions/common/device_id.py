"""The one rule for a valid deviceId, used wherever a deviceId enters the system.

A deviceId is a KVS channel name suffix (`[a-zA-Z0-9_.-]`), an Alexa endpointId (no dot:
`[a-zA-Z0-9_\\-=#;:?@&]`) and the camera's STS role session name (2 to 64 characters), so it holds
only the characters all three allow, 2 to 64 of them. With a channel name prefix of at most 64
characters, every valid deviceId also makes a channel name within KVS's 256.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field

DEVICE_ID_CHARS = r"[a-zA-Z0-9_-]"
DEVICE_ID_MIN, DEVICE_ID_MAX = 2, 64
# Use with fullmatch: `$` would also accept a trailing newline.
DEVICE_ID_PATTERN = re.compile(rf"{DEVICE_ID_CHARS}{{{DEVICE_ID_MIN},{DEVICE_ID_MAX}}}")

# For pydantic models: the length and character errors name the field and the limit.
DeviceId = Annotated[
    str, Field(min_length=DEVICE_ID_MIN, max_length=DEVICE_ID_MAX, pattern=rf"^{DEVICE_ID_CHARS}+$")
]


def is_device_id(value: str) -> bool:
    return DEVICE_ID_PATTERN.fullmatch(value) is not None
