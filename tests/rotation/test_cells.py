"""Rotation across cells: every cell's channels through that cell's account (a remote one through its
role), each cell within its own account's quotas, cells in parallel, checkpoints per cell."""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID

from functions.common.cells.config import Cell
from functions.common.cells.credentials import CellCredentials
from functions.common.deadline import Deadline
from functions.common.registry import channel_tags
from functions.common.registry.rotation_state_schema import EXPIRES_AT, PARTITION_KEY
from functions.tag_rotation import logic
from functions.tag_rotation.settings import RotationSettings
from functions.tag_rotation.summary import RunStatus, RunSummary
from localcloud import kvs
from localcloud.aws.lambda_context import LambdaContext
from tests.rotation.support import PREFIX, Fleet, peak_per_window, rotation_calls, static_tags

ACCOUNT_B, ACCOUNT_C = "222222222222", "333333333333"
CELLS = (
    Cell(id="a", account=DEFAULT_ACCOUNT_ID, region="us-east-1", capacity=100),
    Cell(
        id="b",
        account=ACCOUNT_B,
        region="us-east-1",
        role_arn=f"arn:aws:iam::{ACCOUNT_B}:role/dev-cell-b",
        capacity=100,
    ),
    Cell(
        id="c",
        account=ACCOUNT_C,
        region="us-west-2",
        role_arn=f"arn:aws:iam::{ACCOUNT_C}:role/dev-cell-c",
        capacity=100,
    ),
)
THROTTLED = "ClientLimitExceededException"


@pytest.fixture
def fleets(rotation_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, Fleet]:
    """Three cells in three accounts (two through their roles, one in another region)."""
    monkeypatch.setenv("CELLS", json.dumps([c.model_dump(by_alias=True, exclude_none=True) for c in CELLS]))
    credentials = CellCredentials()
    return {
        cell.id: Fleet(
            rotation_env["REGISTRY_TABLE_NAME"],
            kvs=credentials.session(cell).client("kinesisvideo"),
            cell_id=cell.id,
        )
        for cell in CELLS
    }


def stale_cameras(fleets: dict[str, Fleet], sizes: dict[str, int]) -> None:
    """Cameras whose channels need a read, an untag and a tag each."""
    for cell_id, size in sizes.items():
        for i in range(size):
            device_id = f"{cell_id}{i:03d}"
            fleets[cell_id].camera(device_id, static_tags(device_id) | {"camera:stale": "1"})


def assert_rotated(fleet: Fleet, generation: str) -> None:
    for name in fleet.arns:
        tags = fleet.tags(name)
        assert tags[channel_tags.GENERATION_TAG] == generation, name
        assert "camera:stale" not in tags, name


def test_every_cell_is_rotated_in_one_run_each_within_its_accounts_quota(
    fleets: dict[str, Fleet], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from functions.tag_rotation import handler
    from functions.tag_rotation.dependencies import dependencies

    size, tps = 20, 10
    stale_cameras(fleets, dict.fromkeys("abc", size))
    # In cell b, a channel named as cell a's device a000: not that device's channel (ownership).
    foreign_arn = fleets["b"].channel("a000", {channel_tags.DEVICE_TAG: "a000"})
    monkeypatch.setenv("ROTATION_MAX_TPS", str(tps))
    kvs.enable_quotas()
    kvs.clear_calls()
    dependencies.cache_clear()

    output = handler.handler({}, LambdaContext("tag-rotation", timeout_s=120))
    records = rotation_calls()  # before the checks below read tags themselves

    assert output["status"] == "complete" and output["complete"] is True
    assert output["channelsSeen"] == 3 * size + 1 and output["updated"] == 3 * size
    assert output["orphans"] == 1 and output["orphanNames"] == [f"{PREFIX}a000"]
    assert output["throttles"] == 0 and output["failed"] == 0
    cells = {c["cellId"]: c for c in output["cells"]}  # type: ignore[attr-defined]
    assert list(cells) == ["a", "b", "c"]
    assert cells["c"]["account"] == ACCOUNT_C and cells["c"]["region"] == "us-west-2"
    for cell_id in "abc":
        figures = cells[cell_id]
        assert figures["status"] == "complete" and figures["updated"] == size
        assert figures["channelsSeen"] == size + (cell_id == "b") and figures["orphans"] == (cell_id == "b")
        assert figures["failed"] == figures["conflicts"] == figures["throttles"] == 0
    assert fleets["b"].arns.pop(f"{PREFIX}a000") == foreign_arn
    for fleet in fleets.values():
        assert_rotated(fleet, output["generation"])
    foreign = fleets["b"].kvs.list_tags_for_resource(ResourceARN=foreign_arn)["Tags"]
    assert foreign == {channel_tags.DEVICE_TAG: "a000"}  # untouched

    assert {(r.account_id, r.region) for r in records} == {(c.account, c.region) for c in CELLS}
    by_account: dict[tuple[str, str], list[float]] = defaultdict(list)
    for record in records:
        by_account[(record.account_id, record.operation)].append(record.timestamp)
    # Each cell within its own account's budget...
    for key, stamps in by_account.items():
        assert peak_per_window(stamps) <= tps, key
    # ...and the cells at once: together above what one account's budget allows.
    tags = [r.timestamp for r in records if r.operation == "TagResource"]
    assert peak_per_window(tags) > tps

    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    per_cell = {m["Cell"]: m for m in emf if "Cell" in m}
    assert set(per_cell) == {"a", "b", "c"}
    assert per_cell["b"]["ChannelsSeen"] == [size + 1] and per_cell["a"]["ChannelsUpdated"] == [size]


def test_a_throttled_or_refused_cell_does_not_stop_the_others(
    fleets: dict[str, Fleet], monkeypatch: pytest.MonkeyPatch
) -> None:
    size = 6
    stale_cameras(fleets, dict.fromkeys("abc", size))
    monkeypatch.setenv("ROTATION_MAX_ATTEMPTS", "3")
    # Cell b: every read throttled (another tool eats b's quota); cell c: its role may not list.
    kvs.inject("ListTagsForResource", error=THROTTLED, account=ACCOUNT_B)
    kvs.inject("ListSignalingChannels", error="AccessDeniedException", account=ACCOUNT_C)
    kvs.clear_calls()

    summary = logic.run(RotationSettings.load())

    # The run completes: a broken cell cannot hold the healthy ones' next rotation hostage.
    assert summary.status is RunStatus.COMPLETE
    cells = {c.cell_id: c for c in summary.cells}
    assert cells["a"].status == "complete" and cells["a"].updated == size
    assert cells["a"].failed == cells["a"].throttles == 0
    assert_rotated(fleets["a"], summary.generation)
    assert cells["b"].status == "complete" and cells["b"].failed == size and cells["b"].updated == 0
    assert cells["b"].throttles >= size * 2  # every read retried, then given up
    assert cells["c"].status == "failed" and cells["c"].error == "AccessDeniedException"
    assert cells["c"].channels_seen == 0
    assert summary.failed == size and summary.throttles == cells["b"].throttles
    assert summary.cells_failed == 1
    writes = {r.account_id for r in rotation_calls() if r.operation == "TagResource"}
    assert writes == {DEFAULT_ACCOUNT_ID}


def test_a_run_cut_by_its_budget_resumes_each_cell_where_it_stopped(
    fleets: dict[str, Fleet], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cells a and c take 3 s of reads each, cell b a fifth of that: 2 s invocations end b first."""
    sizes = {"a": 30, "b": 6, "c": 30}
    stale_cameras(fleets, sizes)
    monkeypatch.setenv("ROTATION_PAGE_SIZE", "7")
    monkeypatch.setenv("ROTATION_WORKERS", "2")
    kvs.inject("ListTagsForResource", latency_s=0.2)
    kvs.clear_calls()
    settings = RotationSettings.load()

    summaries: list[RunSummary] = []
    calls_in_b: list[int] = []  # after each invocation
    while not summaries or not summaries[-1].complete:
        assert len(summaries) < 100, "no progress"
        run_id = summaries[-1].run_id if summaries else None
        summaries.append(logic.run(settings, Deadline(2.0), run_id=run_id))
        calls_in_b.append(sum(r.account_id == ACCOUNT_B for r in rotation_calls()))

    final = summaries[-1]
    assert summaries[0].status is RunStatus.PARTIAL and final.invocations == len(summaries)
    statuses = [{c.cell_id: c.status for c in s.cells} for s in summaries]
    b_done = next(i for i, s in enumerate(statuses) if s["b"] == "complete")
    # b finished while the others still had work, and no later invocation walked it again.
    assert statuses[b_done]["a"] == statuses[b_done]["c"] == "partial"
    assert set(calls_in_b[b_done:]) == {calls_in_b[b_done]}
    assert {c.cell_id: (c.status, c.channels_seen, c.updated + c.rotated) for c in final.cells} == {
        cell_id: ("complete", size, size) for cell_id, size in sizes.items()
    }
    ok = [r for r in rotation_calls() if r.outcome == "ok"]
    tagged = Counter(r.channel_arn for r in ok if r.operation == "TagResource")
    assert len(tagged) == sum(sizes.values()) and set(tagged.values()) == {1}
    for fleet in fleets.values():
        assert_rotated(fleet, final.generation)


def test_a_checkpoint_from_before_cells_resumes_in_the_default_cell(
    fleet: Fleet, rotation_env: dict[str, str]
) -> None:
    size = 8
    for i in range(size):
        fleet.camera(f"l{i}")
    done = [f"{PREFIX}l0", f"{PREFIX}l1"]
    run_id = "f" * 32
    legacy = {
        "run_id": run_id,
        "generation": run_id,
        "rotated_at": "2025-01-01T00:00:00Z",
        "phase": "RUNNING",
        "started_at": time.time() - 60,
        "invocations": 1,
        "next_token": None,
        "page_done": done,
        "lease_owner": "0" * 32,
        "lease_until": 0.0,
        "totals": {
            "outcomes": {"updated": 2},
            "names": {},
            "calls": {"ListTagsForResource": 2, "TagResource": 2},
            "throttles": 1,
            "listing_restarts": 0,
        },
        "summary": None,
    }
    boto3.client("dynamodb").put_item(
        TableName=rotation_env["ROTATION_STATE_TABLE_NAME"],
        Item={
            PARTITION_KEY: {"S": f"tag-rotation#{PREFIX}"},
            "version": {"N": "3"},
            "runId": {"S": run_id},
            "phase": {"S": "RUNNING"},
            "leaseUntil": {"N": "0"},
            EXPIRES_AT: {"N": str(int(time.time()) + 3600)},
            "body": {"S": json.dumps(legacy)},
        },
    )
    kvs.clear_calls()

    summary = logic.run(RotationSettings.load(), run_id=run_id)

    assert summary.status is RunStatus.COMPLETE and summary.run_id == run_id and summary.invocations == 2
    assert summary.channels_seen == size and summary.updated == size and summary.throttles == 1
    assert [(c.cell_id, c.account, c.channels_seen) for c in summary.cells] == [
        ("default", DEFAULT_ACCOUNT_ID, size)
    ]
    read = {r.channel_arn for r in rotation_calls() if r.operation == "ListTagsForResource"}
    assert read == {arn for name, arn in fleet.arns.items() if name not in done}
