"""Constraints of botocore's KVS service models that boto3 leaves to the service.

boto3 checks required members, types and minimums; maxima, patterns and enums are checked here and
answered with InvalidArgumentException as AWS does. Types are checked again because a raw HTTP
client talking to the moto server may send anything.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from .exceptions import InvalidArgumentException, TagsPerResourceExceededLimitException

NAME_PATTERN = re.compile(r"[a-zA-Z0-9_.-]+")
ARN_PATTERN = re.compile(r"arn:[a-z\d-]+:kinesisvideo:[a-z0-9-]+:[0-9]+:[a-z]+/[a-zA-Z0-9_.-]+/[0-9]+")
# The signaling model allows only the aws partition in ChannelARN.
SIGNALING_ARN_PATTERN = re.compile(r"arn:aws:kinesisvideo:[a-z0-9-]+:[0-9]+:[a-z]+/[a-zA-Z0-9_.-]+/[0-9]+")
VERSION_PATTERN = re.compile(r"[a-zA-Z0-9]+")
TOKEN_PATTERN = re.compile(r"[a-zA-Z0-9+/=]*")
BASE64_PATTERN = re.compile(r"[a-zA-Z0-9+/=]+")
# Tag keys and values: letters, separators, numbers and _.:/=+-@ (\p{L}\p{Z}\p{N} in the model).
TAG_PUNCTUATION = frozenset("_.:/=+-@")

CHANNEL_TYPES = ("SINGLE_MASTER", "FULL_MESH")
ROLES = ("MASTER", "VIEWER")
PROTOCOLS = ("WSS", "HTTPS", "WEBRTC")
MAX_TAGS = 50


def optional_string(
    body: dict[str, Any],
    key: str,
    *,
    min_len: int = 1,
    max_len: int,
    pattern: re.Pattern[str] | None = None,
) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidArgumentException(f"{key} must be a string.")
    if not min_len <= len(value) <= max_len:
        raise InvalidArgumentException(f"{key} must be {min_len} to {max_len} characters long.")
    if pattern is not None and not pattern.fullmatch(value):
        raise InvalidArgumentException(f"{key} does not match the pattern {pattern.pattern}.")
    return value


def required_string(
    body: dict[str, Any],
    key: str,
    *,
    min_len: int = 1,
    max_len: int,
    pattern: re.Pattern[str] | None = None,
) -> str:
    value = optional_string(body, key, min_len=min_len, max_len=max_len, pattern=pattern)
    if value is None:
        raise InvalidArgumentException(f"{key} is required.")
    return value


def optional_int(body: dict[str, Any], key: str, *, low: int, high: int) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    # bool is an int subclass but not an integer in JSON terms.
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidArgumentException(f"{key} must be an integer.")
    if not low <= value <= high:
        raise InvalidArgumentException(f"{key} must be between {low} and {high}, got {value}.")
    return value


def optional_enum(body: dict[str, Any], key: str, allowed: tuple[str, ...]) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if value not in allowed:
        raise InvalidArgumentException(f"{key} must be one of {', '.join(allowed)}, got {value!r}.")
    return str(value)


def optional_struct(body: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidArgumentException(f"{key} must be an object.")
    return value


def channel_name(body: dict[str, Any], key: str = "ChannelName") -> str | None:
    return optional_string(body, key, max_len=256, pattern=NAME_PATTERN)


def arn(body: dict[str, Any], key: str, *, signaling: bool = False) -> str | None:
    pattern = SIGNALING_ARN_PATTERN if signaling else ARN_PATTERN
    return optional_string(body, key, max_len=1024, pattern=pattern)


def required_arn(body: dict[str, Any], key: str, *, signaling: bool = False) -> str:
    value = arn(body, key, signaling=signaling)
    if value is None:
        raise InvalidArgumentException(f"{key} is required.")
    return value


def version(body: dict[str, Any], key: str = "CurrentVersion") -> str | None:
    return optional_string(body, key, max_len=64, pattern=VERSION_PATTERN)


def next_token(body: dict[str, Any]) -> str | None:
    return optional_string(body, "NextToken", min_len=0, max_len=1024, pattern=TOKEN_PATTERN)


def message_ttl(body: dict[str, Any]) -> int | None:
    config = optional_struct(body, "SingleMasterConfiguration")
    if config is None:
        return None
    return optional_int(config, "MessageTtlSeconds", low=5, high=120)


def _tag_text_ok(text: str) -> bool:
    return all(ch in TAG_PUNCTUATION or unicodedata.category(ch)[0] in "LZN" for ch in text)


def tag_key(key: Any) -> str:
    if not isinstance(key, str) or not 1 <= len(key) <= 128:
        raise InvalidArgumentException("A tag key must be 1 to 128 characters long.")
    if not _tag_text_ok(key):
        raise InvalidArgumentException(f"The tag key {key!r} contains characters that are not allowed.")
    return key


def tag_value(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 256:
        raise InvalidArgumentException("A tag value must be 0 to 256 characters long.")
    if not _tag_text_ok(value):
        raise InvalidArgumentException(f"The tag value {value!r} contains characters that are not allowed.")
    return value


def tag_list(body: dict[str, Any], key: str, *, required: bool) -> dict[str, str]:
    """A Tags list of {Key, Value}; later duplicates win, as a map would."""
    raw = body.get(key)
    if raw is None:
        if required:
            raise InvalidArgumentException(f"{key} is required.")
        return {}
    if not isinstance(raw, list) or (required and not raw):
        raise InvalidArgumentException(f"{key} must be a list of 1 to {MAX_TAGS} tags.")
    if len(raw) > MAX_TAGS:
        raise TagsPerResourceExceededLimitException(
            f"A channel can have at most {MAX_TAGS} tags; the request has {len(raw)}.",
        )
    tags: dict[str, str] = {}
    for item in raw:
        if not isinstance(item, dict) or "Key" not in item or "Value" not in item:
            raise InvalidArgumentException("Each tag needs a Key and a Value.")
        tags[tag_key(item["Key"])] = tag_value(item["Value"])
    return tags


def tag_key_list(body: dict[str, Any]) -> list[str]:
    raw = body.get("TagKeyList")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_TAGS:
        raise InvalidArgumentException(f"TagKeyList must hold 1 to {MAX_TAGS} keys.")
    return [tag_key(key) for key in raw]
