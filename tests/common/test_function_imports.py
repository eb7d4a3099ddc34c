"""No function's handler module imports boto3: every client comes from botocore's session
(functions.common.aws_clients), and boto3's package would add its session, resources machinery
and s3transfer to each cold start (~0.075x the skill's cold floor). Powertools Parameters, which
imports boto3, is loaded on a function's first secret read, not on its import."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.common.child_python import last_json_line, run_python

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = sorted(p.parent.name for p in (ROOT / "functions").glob("*/handler.py"))

CHILD = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(m for m in ("boto3", "s3transfer") if m in sys.modules)))
"""


def test_every_function_is_checked() -> None:
    assert "alexa_skill" in HANDLERS and len(HANDLERS) >= 10


@pytest.mark.parametrize("function", HANDLERS)
def test_a_handler_module_imports_no_boto3(function: str) -> None:
    # A Lambda-like environment without INIT (tests/alexa_skill/test_cold_start.py runs the
    # skill's INIT): fake credentials, a region, X-Ray's variables as Lambda sets them.
    env = {
        "PATH": "/usr/bin:/bin",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "LAMBDA_TASK_ROOT": str(ROOT),
        "POWERTOOLS_TRACE_DISABLED": "1",
    }
    assert last_json_line(run_python(CHILD, f"functions.{function}.handler", env=env)) == []
