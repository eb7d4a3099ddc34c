"""`python -m functions.canary.smoke --stage <stage>` (`make smoke STAGE=<stage>`): invoke the
stage's deployed canary function once and print each camera's steps; exit 1 naming the failing
step when live view is broken, 2 when the canary itself cannot be invoked."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import boto3

from functions.canary.steps import CanaryReport


def function_name(stage: str) -> str:
    """The canary function's name: the stack names it so (infra/components/canary.py)."""
    return f"{stage}-live-view-canary"


def render(answer: dict[str, Any]) -> tuple[int, str]:
    reports = [CanaryReport.model_validate(r) for r in answer.get("reports", [])]
    lines = []
    for report in reports:
        lines.append(report.summary())
        lines.extend(
            f"  {'ok  ' if s.ok else 'FAIL'} {s.step:<15} {s.ms:7.0f} ms {s.reason}".rstrip()
            for s in report.steps
        )
    ok = bool(reports) and all(r.ok for r in reports)
    return (0 if ok else 1), "\n".join(lines or ["no canary camera is configured"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stage", required=True)
    args = parser.parse_args(argv)
    answer = boto3.client("lambda").invoke(FunctionName=function_name(args.stage), Payload=b"{}")
    if "FunctionError" in answer:
        print(f"the canary function failed: {answer['FunctionError']}", file=sys.stderr)
        return 2
    status, text = render(json.loads(answer["Payload"].read()))
    print(text)
    return status


if __name__ == "__main__":
    sys.exit(main())
