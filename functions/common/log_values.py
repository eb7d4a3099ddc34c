"""Untrusted values as a log line may quote them: cut to a few dozen characters, so a record
cannot fill the log (or an operator's screen) with a 200,000-character source."""

from __future__ import annotations

from pydantic import ValidationError
from pydantic_core import ErrorDetails

# Enough to recognise a value; EventBridge ids (36) and deviceIds (64) fit whole.
QUOTE_MAX = 64
# A validation message is ours around the quoted value: room for the expected values it lists.
_MESSAGE_MAX = 256


def cut(value: object, limit: int = QUOTE_MAX) -> str:
    """`value` as text, at most `limit` characters of it, marked when cut."""
    text = str(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def validation_summary(exc: ValidationError) -> str:
    """Field locations and messages, without the input values (they may be long or personal).

    Both can still carry input: a location can be a key of the input (a tag key), and a message
    can quote it (a discriminator's unknown tag), so each is cut."""
    return "; ".join(f"{_location(e)}: {_message(e)}" for e in exc.errors())


def _location(error: ErrorDetails) -> str:
    return ".".join(cut(part) for part in error["loc"]) or "body"


def _message(error: ErrorDetails) -> str:
    message = error["msg"]
    for value in error.get("ctx", {}).values():
        if isinstance(value, str) and len(value) > QUOTE_MAX:
            message = message.replace(value, cut(value))
    return cut(message, _MESSAGE_MAX)
