"""A pydantic ValidationError as one line a person can act on: `where: what is allowed (got value)`.

Settings errors reach a person (a function's failed start, `make synth`, a command's stderr), so
each problem names the setting, says what it should be and, when the message does not already,
shows the value given. Only scalar values are shown, shortened: settings, not request bodies.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError
from pydantic_core import ErrorDetails

# pydantic's wording where it names Python types or says too little for a JSON or env setting.
_WORDING = {
    "missing": "required",
    "extra_forbidden": "not a known setting",
    "list_type": "should be a JSON array",
    "tuple_type": "should be a JSON array",
    "dict_type": "should be a JSON object",
    "model_type": "should be a JSON object",
    "model_attributes_type": "should be a JSON object",
}
_SHOWN_CHARS = 80


def one_line(exc: ValidationError, root: Sequence[str] = ()) -> str:
    """Every problem in `exc`, `; `-separated; locations start at `root` (e.g. `stages.example`)."""
    return "; ".join(_problem(err, root) for err in exc.errors())


def _problem(err: ErrorDetails, root: Sequence[str]) -> str:
    where = ".".join(str(part) for part in (*root, *err["loc"]))
    # A validator's own ValueError already says what is wrong; pydantic prefixes "Value error, ".
    what = str(err["ctx"]["error"]) if err["type"] == "value_error" else _WORDING.get(err["type"], err["msg"])
    value = err.get("input")
    if isinstance(value, str | int | float) and err["type"] not in ("missing", "extra_forbidden"):
        shown = repr(value if len(str(value)) <= _SHOWN_CHARS else f"{str(value)[:_SHOWN_CHARS]}...")
        if shown not in what:
            what = f"{what} (got {shown})"
    return f"{where}: {what}" if where else what
