"""Powertools Logger, Tracer and Metrics as shared singletons.

Service name and metrics namespace come from POWERTOOLS_SERVICE_NAME and
POWERTOOLS_METRICS_NAMESPACE (set per function by the stack). Never log bearer tokens, secrets or
full SDP (it carries IP addresses): log ids, outcomes and sizes.

Exception text may quote a request (an AWS error message repeats the value it refused: a device
id, a session id, part of a payload), so neither logs nor traces carry it. A logged exception is
its type, its AWS error code and its stack frames, for the whole chain; a traced one is its type
and error code, whichever code recorded it (Tracer's handler subsegment, the X-Ray SDK's botocore
and httplib patches).
"""

from __future__ import annotations

import json
import logging
import os
import re
import traceback
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_xray_sdk.core import xray_recorder
from aws_xray_sdk.core.emitters.udp_emitter import UDPEmitter
from aws_xray_sdk.core.lambda_launcher import LAMBDA_TRACE_HEADER_KEY, LambdaContext

from functions.common.aws_clients import error_code

NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "AlexaCameraSignaling")
# botocore's ClientError text starts with its code: "An error occurred (Code) when calling ...".
_CLIENT_ERROR_CODE = re.compile(r"An error occurred \(([A-Za-z0-9_.]{1,128})\)")


def describe(exc: BaseException) -> str:
    """Where `exc` and the exceptions behind it were raised, and what they were (type and AWS error
    code), without any exception message."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if parts:
            parts.append("Caused by:\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_list(traceback.extract_tb(current.__traceback__)))
        code = error_code(current)
        name = type(current).__qualname__
        parts.append(f"{name} ({code})\n" if code != type(current).__name__ else f"{name}\n")
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return "".join(parts)


def _writable_json(log: Any) -> str:
    # Readable non-ASCII, as Powertools writes it, except a lone surrogate (valid JSON from a
    # caller, but not UTF-8): left raw, the line could not be written and the record would be lost;
    # backslashreplace writes it as JSON's own escape.
    text = json.dumps(log, default=str, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class CodeOnlyFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON lines, with a logged exception reduced to `describe()` (Powertools would
    add its message, its notes and its value in `stack_trace`)."""

    def format(self, record: logging.LogRecord) -> str:
        if isinstance(record.exc_info, tuple) and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            fields = dict(record.__dict__, exc_info=None, exc_text=None)
            fields |= {
                "exception": describe(exc),
                "exception_name": type(exc).__name__,
                "error": error_code(exc),
            }
            record = logging.makeLogRecord(fields)
        return super().format(record)


class CodeOnlyEmitter(UDPEmitter):  # type: ignore[misc]  # the X-Ray SDK is untyped
    """The X-Ray SDK's emitter, sending each trace document with its exceptions cut to type and
    AWS error code: the SDK records `str(exception)` wherever an exception leaves a subsegment, and
    Tracer adds the exception object itself as metadata."""

    def send_entity(self, entity: Any) -> None:
        _code_only(entity)
        super().send_entity(entity)


def _code_only(entity: Any) -> None:
    cause = getattr(entity, "cause", None)
    if isinstance(cause, dict):
        for throwable in cause.get("exceptions", []):
            if getattr(throwable, "message", None) is not None:
                code = _CLIENT_ERROR_CODE.match(throwable.message)
                throwable.message = code[1] if code else throwable.type
    for values in getattr(entity, "metadata", {}).values():
        for key, value in values.items():
            if isinstance(value, BaseException):
                values[key] = error_code(value)
    for subsegment in getattr(entity, "subsegments", []):
        _code_only(subsegment)


class HeaderKeepingLambdaContext(LambdaContext):  # type: ignore[misc]  # the X-Ray SDK is untyped
    """The X-Ray SDK's Lambda context, which reads and parses the invocation's trace header on every
    entity lookup (about 20 per warm offer): here the parse is skipped while the header is the one
    this thread last parsed, since the SDK's own check would then find the same trace and keep it."""

    def _refresh_context(self) -> None:
        header, local = os.getenv(LAMBDA_TRACE_HEADER_KEY), self._local
        unchanged = header is not None and header == getattr(local, "header", None)
        if unchanged and getattr(local, "segment", None):
            return
        super()._refresh_context()
        local.header = header


logger = Logger(logger_formatter=CodeOnlyFormatter(json_serializer=_writable_json))
# Only what the functions call through: AWS SDK calls and the key set fetch (urllib's http.client).
# Patching everything the X-Ray SDK knows would import requests, sqlite3 and more on every cold start.
tracer = Tracer(patch_modules=("botocore", "httplib"))
xray_recorder.emitter = CodeOnlyEmitter()
if isinstance(xray_recorder.context, LambdaContext):  # on Lambda (the SDK looks at LAMBDA_TASK_ROOT)
    xray_recorder.context = HeaderKeepingLambdaContext()
metrics = Metrics(namespace=NAMESPACE)
