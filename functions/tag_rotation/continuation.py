"""Continue a run in a fresh invocation: an asynchronous invoke of this same function."""

from __future__ import annotations

import json

from functions.common import aws_clients


def invoke_async(function_name: str, run_id: str) -> None:
    """Queue the next invocation (InvocationType Event) carrying the run to continue."""
    aws_clients.client("lambda").invoke(
        FunctionName=function_name,
        InvocationType="Event",
        Payload=json.dumps({"runId": run_id}).encode(),
    )
