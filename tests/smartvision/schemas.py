"""Validation of messages against the project's own SmartVision / DataController schemas."""

from __future__ import annotations

from typing import Any

import jsonschema


def assert_valid(message: dict[str, Any], schema: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(message), key=str)
    assert not errors, f"{errors[0].json_path}: {errors[0].message}"


def assert_invalid(message: dict[str, Any], schema: dict[str, Any]) -> None:
    assert not jsonschema.Draft202012Validator(schema).is_valid(message)
