"""Cell credentials: one AssumeRole per role until shortly before expiry, a session per cell."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID

from functions.common import aws_clients
from functions.common.cell_credentials import CellCredentials
from functions.common.cells import Cell
from functions.common.kvs.clients import ClientLimits, data_plane

CELL_ACCOUNT = "222222222222"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def cell(aws: None) -> Cell:
    """A cell in an account other than moto's default one (the control account here)."""
    from moto.core import DEFAULT_ACCOUNT_ID

    assert CELL_ACCOUNT != DEFAULT_ACCOUNT_ID
    role_arn = f"arn:aws:iam::{CELL_ACCOUNT}:role/cell-role"
    return Cell(id="b", account=CELL_ACCOUNT, region="us-west-2", role_arn=role_arn, capacity=10)


def _counted_sts() -> tuple[Any, list[str]]:
    sts = boto3.client("sts", region_name="us-east-1")
    calls: list[str] = []
    sts.meta.events.register("before-call.sts.AssumeRole", lambda **_: calls.append("AssumeRole"))
    return sts, calls


def test_a_cells_session_works_in_the_cells_account_and_region(cell: Cell) -> None:
    sts, calls = _counted_sts()
    credentials = CellCredentials(sts=sts)
    session = credentials.session(cell)
    assert session.region_name == "us-west-2"
    assert session.client("sts").get_caller_identity()["Account"] == CELL_ACCOUNT
    assert credentials.session(cell) is session
    assert calls == ["AssumeRole"]


def test_credentials_are_assumed_again_only_shortly_before_they_expire(cell: Cell) -> None:
    sts, calls = _counted_sts()
    clock = Clock()
    credentials = CellCredentials(sts=sts, clock=clock, duration_seconds=3600)
    first = credentials.session(cell).get_credentials().get_frozen_credentials()  # type: ignore[union-attr]
    clock.now += timedelta(minutes=40)  # still far from expiry: the same keys
    again = credentials.session(cell).get_credentials().get_frozen_credentials()  # type: ignore[union-attr]
    assert again.access_key == first.access_key
    assert calls == ["AssumeRole"]
    # moto's credentials expire an hour after they were issued (by the real clock): 14 minutes
    # before that, inside the refresh window, the next use assumes the role again.
    clock.now += timedelta(minutes=6)
    renewed = credentials.session(cell).get_credentials().get_frozen_credentials()  # type: ignore[union-attr]
    assert renewed.access_key != first.access_key
    assert calls == ["AssumeRole", "AssumeRole"]


def test_a_cell_in_the_control_account_uses_the_functions_own_credentials(aws: None) -> None:
    sts, calls = _counted_sts()
    control = Cell(id="a", account="123456789012", region="eu-west-1", capacity=10)
    session = CellCredentials(sts=sts).session(control)
    assert session.region_name == "eu-west-1"
    assert session.client("sts").get_caller_identity()["Account"] == "123456789012"
    assert calls == []


def test_the_role_session_name_says_which_function_assumed_it(cell: Cell) -> None:
    sts, _ = _counted_sts()
    session = CellCredentials(sts=sts, session_name="lifecycle").session(cell)
    arn = session.client("sts").get_caller_identity()["Arn"]
    assert arn == f"arn:aws:sts::{CELL_ACCOUNT}:assumed-role/cell-role/lifecycle"


# botocore data files opened while `_recording` holds True (an audit hook cannot be removed).
_recording: list[bool] = [False]
_reads: list[str] = []


def _record_data_reads(event: str, args: tuple[Any, ...]) -> None:
    if _recording[0] and event == "open" and isinstance(args[0], str) and "/botocore/data/" in args[0]:
        _reads.append(args[0])


sys.addaudithook(_record_data_reads)


def test_a_remote_cells_first_client_reads_no_model_the_process_has_loaded(cell: Cell) -> None:
    # A new botocore session per cell loaded botocore's endpoint data and service models again
    # (~0.3x the floor's cold path, on the first offer to that cell): one process's data serves all.
    aws_clients.client("dynamodb")  # INIT's client
    local = Cell(id="a", account=DEFAULT_ACCOUNT_ID, region="us-west-2", capacity=10)
    data_plane("https://local.kinesisvideo.us-west-2.amazonaws.com", ClientLimits(), cell=local)
    aws_clients.sts_client()
    credentials = CellCredentials()
    _reads.clear()
    _recording[0] = True
    try:
        credentials.session(cell).client("kinesis-video-signaling", endpoint_url="https://remote.example")
    finally:
        _recording[0] = False
    assert _reads == []
