"""DynamoDB's attribute-value JSON for the project's own items, without boto3.

boto3's TypeSerializer/TypeDeserializer live in the boto3 package, whose import pulls boto3's
session, resources machinery and s3transfer onto a function's cold path. The stores here know
their schemas: strings, integers, booleans, lists and maps of those, and null. Anything else
(floats, binary, sets, numbers with a fraction) is refused with a ValueError rather than guessed
at; a store that needs sets (the detections store's `SS`) writes those attributes itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias

# A plain value of an item: what `to_attribute` takes and `from_attribute` gives back.
Plain: TypeAlias = "str | int | bool | list[Plain] | dict[str, Plain] | None"


def to_attribute(value: Any) -> dict[str, Any]:
    """The attribute value of `value` (bool before int: a bool is an int in Python)."""
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if value is None:
        return {"NULL": True}
    if isinstance(value, list | tuple):
        return {"L": [to_attribute(v) for v in value]}
    if isinstance(value, Mapping):
        return {"M": {_key(k): to_attribute(v) for k, v in value.items()}}
    raise ValueError(f"no DynamoDB attribute for a {type(value).__name__}")


def from_attribute(attribute: Mapping[str, Any]) -> Plain:
    """The plain value of one attribute value (numbers as int)."""
    if len(attribute) != 1:
        raise ValueError(f"an attribute value has exactly one type, not {sorted(attribute)}")
    ((kind, value),) = attribute.items()
    if kind == "S":
        return str(value)
    if kind == "N":
        return _integer(value)
    if kind == "BOOL":
        if not isinstance(value, bool):
            raise ValueError("BOOL holds a bool")
        return value
    if kind == "NULL":
        return None
    if kind == "L":
        return [from_attribute(v) for v in value]
    if kind == "M":
        return {_key(k): from_attribute(v) for k, v in value.items()}
    raise ValueError(f"unsupported DynamoDB attribute type {kind!r}")


def to_item(plain: Mapping[str, Any]) -> dict[str, Any]:
    return {_key(k): to_attribute(v) for k, v in plain.items()}


def from_item(item: Mapping[str, Mapping[str, Any]]) -> dict[str, Plain]:
    return {k: from_attribute(v) for k, v in item.items()}


def _key(key: object) -> str:
    if not isinstance(key, str):
        raise ValueError(f"a map key is a string, not a {type(key).__name__}")
    return key


def _integer(text: object) -> int:
    # DynamoDB returns numbers in canonical form: an integer has no point and no exponent.
    if not isinstance(text, str) or not (text.isascii() and text.removeprefix("-").isdigit()):
        raise ValueError(f"not an integer DynamoDB number: {text!r}")
    return int(text)
