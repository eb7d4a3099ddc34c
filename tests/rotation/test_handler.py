"""The Lambda entry point: schedule events, continuation by asynchronous self-invocation."""

from __future__ import annotations

import io
import json
import warnings
import zipfile
from collections import Counter
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto.core.config import default_user_config
from pydantic import ValidationError

from functions.common import aws_clients
from functions.common.registry import channel_tags
from localcloud import kvs
from localcloud.aws.lambda_context import LambdaContext
from tests.rotation.support import Fleet, rotation_calls

SCHEDULE_EVENT = {
    "version": "0",
    "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2025-01-01T00:00:00Z",
    "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/tag-rotation"],
    "detail": {},
}
FUNCTION = "tag-rotation"


def load_handler() -> ModuleType:
    """A new container: its settings are read from this environment on the first invocation."""
    from functions.tag_rotation import handler
    from functions.tag_rotation.dependencies import dependencies

    dependencies.cache_clear()
    return handler


def test_scheduled_event_runs_a_whole_rotation(
    fleet: Fleet, rotation_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    for i in range(5):
        fleet.camera(f"h{i}")
    fleet.channel("stray")

    output = load_handler().handler(SCHEDULE_EVENT, LambdaContext(FUNCTION, timeout_s=60))

    assert output["complete"] is True and output["status"] == "complete"
    assert output["updated"] == 5 and output["orphans"] == 1 and output["orphanNames"] == ["alexa-cam-stray"]
    # Without CELLS, one cell: the function's own account and region.
    assert [(c["cellId"], c["account"], c["channelsSeen"]) for c in output["cells"]] == [  # type: ignore[attr-defined]
        ("default", "123456789012", 6)
    ]
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert emf and emf[-1]["ChannelsUpdated"] == [5.0] and emf[-1]["OrphanChannels"] == [1.0]


@pytest.fixture
def lambda_function(rotation_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """This function deployed in moto (no Docker: invocations are accepted, not run); records invokes."""
    monkeypatch.setitem(default_user_config["lambda"], "use_docker", False)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", FUNCTION)
    role = boto3.client("iam").create_role(
        RoleName="rotation",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("handler.py", "def handler(event, context):\n    return event\n")
    boto3.client("lambda").create_function(
        FunctionName=FUNCTION,
        Runtime="python3.13",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": archive.getvalue()},
    )
    invokes: list[dict[str, Any]] = []
    aws_clients.client("lambda").meta.events.register(
        "provide-client-params.lambda.Invoke", lambda params, **_: invokes.append(dict(params))
    )
    return invokes


def test_a_run_out_of_time_continues_in_an_asynchronous_invocation(
    fleet: Fleet, lambda_function: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    for i in range(4):
        fleet.camera(f"c{i}")
    handler = load_handler()

    first = handler.handler(SCHEDULE_EVENT, LambdaContext(FUNCTION, timeout_s=0))

    assert first["complete"] is False and first["status"] == "partial" and first["channelsSeen"] == 0
    assert len(lambda_function) == 1
    invoke = lambda_function[0]
    assert invoke["FunctionName"] == FUNCTION and invoke["InvocationType"] == "Event"
    continuation = json.loads(invoke["Payload"])
    assert continuation == {"runId": first["runId"]}
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert emf[-1]["RunContinuations"] == [1.0] and "ChannelsSeen" not in emf[-1]

    second = handler.handler(continuation, LambdaContext(FUNCTION, timeout_s=60))

    assert second["complete"] is True and second["runId"] == first["runId"]
    assert second["updated"] == 4 and second["invocations"] == 2
    assert len(lambda_function) == 1  # a complete run does not invoke again


def test_a_malformed_run_id_is_rejected_and_counted(
    rotation_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    handler = load_handler().handler
    capsys.readouterr()
    with warnings.catch_warnings():
        # Powertools warns of an invocation that publishes no metric.
        warnings.simplefilter("error")
        with pytest.raises(ValidationError):
            handler({"runId": "../../etc"}, LambdaContext(FUNCTION, timeout_s=60))
    assert '"RequestsRejected":[1.0]' in capsys.readouterr().out


def test_after_a_lost_continuation_the_next_scheduled_run_resumes_from_the_checkpoint(
    fleet: Fleet, lambda_function: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The continuation is queued (moto accepts it) and never runs: what Lambda does with one that
    # fails its retries or outwaits its maximum age (it goes to the on-failure queue).
    for i in range(SIZE := 16):
        fleet.camera(f"l{i:02d}")
    monkeypatch.setenv("ROTATION_PAGE_SIZE", "4")
    monkeypatch.setenv("ROTATION_WORKERS", "1")
    kvs.inject("ListTagsForResource", latency_s=0.2, times=SIZE)  # ~4 s of reads: the first run stops
    handler = load_handler()

    first = handler.handler(SCHEDULE_EVENT, LambdaContext(FUNCTION, timeout_s=2.0))

    assert first["status"] == "partial" and 0 < first["channelsSeen"] < SIZE
    assert [json.loads(i["Payload"]) for i in lambda_function] == [{"runId": first["runId"]}]
    done_first = {
        r.channel_arn for r in rotation_calls() if r.operation == "TagResource" and r.outcome == "ok"
    }

    scheduled = handler.handler(SCHEDULE_EVENT, LambdaContext(FUNCTION, timeout_s=60))

    # The same run, from its checkpoint: the channels done before are not written again.
    assert scheduled["status"] == "complete" and scheduled["runId"] == first["runId"]
    assert scheduled["invocations"] == 2 and scheduled["channelsSeen"] == SIZE == scheduled["updated"]
    tagged = Counter(
        r.channel_arn for r in rotation_calls() if r.operation == "TagResource" and r.outcome == "ok"
    )
    assert len(tagged) == SIZE and set(tagged.values()) == {1} and len(done_first) == first["updated"]
    for name in fleet.arns:
        assert fleet.tags(name)[channel_tags.GENERATION_TAG] == first["generation"]

    # Redriven from the on-failure queue afterwards, the lost continuation finds its run over.
    redriven = handler.handler(
        json.loads(lambda_function[0]["Payload"]), LambdaContext(FUNCTION, timeout_s=60)
    )
    assert redriven["status"] == "skipped" and len(lambda_function) == 1
