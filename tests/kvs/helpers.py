"""Small helpers shared by the KVS emulation tests."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError


def encode(message: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps(message).encode()).decode()


def decode(payload: str) -> Any:
    return json.loads(base64.b64decode(payload))


def expect_error(code: str, status: int, call: Any, /, **kwargs: Any) -> ClientError:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    assert info.value.response["Error"]["Code"] == code, info.value.response["Error"]
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    return info.value
