"""Directives for cameras in any cell: the channel ARN names the cell, and the skill calls KVS
in that cell (a remote one through its role, as account B in tests/kvs/test_accounts.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID

from functions.common import aws_clients
from functions.common.cells.config import Cell
from functions.common.cells.credentials import CellCredentials
from functions.common.registry.store import Device
from localcloud import kvs
from tests.alexa_skill.conftest import (
    OWNER,
    Cloud,
    discover,
    error_type,
    offer,
    report_state,
    session_event,
)
from tests.alexa_skill.test_sessions import RecordingMaster

ACCOUNT_B = "222222222222"
CONTROL_CELL = Cell(id="a", account=DEFAULT_ACCOUNT_ID, region="us-east-1", capacity=5)
CELL_B = Cell(
    id="b",
    account=ACCOUNT_B,
    region="us-east-1",
    role_arn=f"arn:aws:iam::{ACCOUNT_B}:role/cell-b",
    capacity=5,
)


@pytest.fixture
def cells(cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> Cloud:
    monkeypatch.setenv(
        "CELLS", json.dumps([c.model_dump(by_alias=True, exclude_none=True) for c in (CONTROL_CELL, CELL_B)])
    )
    return cloud


@pytest.fixture
def sts_calls(aws: None) -> Iterator[list[str]]:
    """AssumeRole calls made by clients created from now on (the cells' STS client included):
    after `aws`, whose `clear_cache()` starts a new process session."""
    calls: list[str] = []
    events = aws_clients.process_session().get_component("event_emitter")

    def record(model: Any, **_: Any) -> None:
        calls.append(model.name)

    events.register("before-call.sts", record)
    yield calls
    events.unregister("before-call.sts", record)


def remote_camera(cloud: Cloud, device_id: str, *, recorded_endpoint: bool = True) -> Device:
    """A camera whose channel is in cell b (account B), seeded as lifecycle leaves it."""
    kv_b = CellCredentials().session(CELL_B).client("kinesisvideo")
    arn = kv_b.create_signaling_channel(ChannelName=f"{cloud.env['CHANNEL_NAME_PREFIX']}{device_id}")[
        "ChannelARN"
    ]
    endpoint = kv_b.get_signaling_channel_endpoint(
        ChannelARN=arn, SingleMasterChannelEndpointConfiguration={"Protocols": ["HTTPS"], "Role": "VIEWER"}
    )["ResourceEndpointList"][0]["ResourceEndpoint"]
    device = cloud.camera(device_id, channel=False)
    placed = device.model_copy(
        update={
            "channel_arn": arn,
            "cell_id": CELL_B.id,
            "viewer_endpoint": endpoint if recorded_endpoint else None,
        }
    )
    assert cloud.registry.put_if_current(placed)
    return placed


def _dynamodb_calls(cloud: Cloud) -> list[str]:
    calls: list[str] = []
    cloud.deps.dynamodb.meta.events.register("before-call", lambda model, **_: calls.append(model.name))
    return calls


def test_offers_reach_cameras_in_a_remote_cell_in_three_calls_cold_and_two_warm(
    cells: Cloud, sts_calls: list[str]
) -> None:
    device = remote_camera(cells, "porch")
    assert device.channel_arn and device.channel_arn.split(":")[4] == ACCOUNT_B
    master = RecordingMaster()
    kvs.attach_master(device.channel_arn, master)
    token = cells.issuer.mint(OWNER)
    dynamodb_calls = _dynamodb_calls(cells)
    kvs.clear_calls()
    sts_calls.clear()

    started = time.monotonic()
    cold = cells.invoke(offer("porch", token, session_id="cold"))
    cold_s = time.monotonic() - started

    assert cold["event"]["header"]["name"] == "AnswerGeneratedForSession", cold
    # The registry read, the cell role's AssumeRole, the offer (on the recorded endpoint).
    assert (dynamodb_calls, sts_calls) == (["GetItem"], ["AssumeRole"])
    assert [(c.operation, c.outcome, c.account_id) for c in kvs.calls()] == [
        ("SendAlexaOfferToMaster", "ok", ACCOUNT_B)
    ]
    assert cells.deps.router.control_clients_made() == 0
    assert cold_s < cells.deps.settings.skill_deadline_seconds

    dynamodb_calls.clear()
    sts_calls.clear()
    kvs.clear_calls()
    warm = cells.invoke(offer("porch", token, session_id="warm"))

    assert warm["event"]["header"]["name"] == "AnswerGeneratedForSession"
    assert (dynamodb_calls, sts_calls) == (["GetItem"], [])  # the role's credentials are cached
    assert [(c.operation, c.account_id) for c in kvs.calls()] == [("SendAlexaOfferToMaster", ACCOUNT_B)]
    assert len(master.offers) == 2


def test_an_offer_without_a_recorded_endpoint_asks_the_cells_control_plane(cells: Cloud) -> None:
    device = remote_camera(cells, "porch", recorded_endpoint=False)
    assert device.channel_arn
    kvs.attach_master(device.channel_arn, RecordingMaster())
    kvs.clear_calls()

    response = cells.invoke(offer("porch", cells.issuer.mint(OWNER)))

    assert response["event"]["header"]["name"] == "AnswerGeneratedForSession"
    assert [(c.operation, c.outcome, c.account_id) for c in kvs.calls()] == [
        ("GetSignalingChannelEndpoint", "ok", ACCOUNT_B),
        ("SendAlexaOfferToMaster", "ok", ACCOUNT_B),
    ]


def test_cameras_in_the_control_cell_and_a_remote_cell_side_by_side(cells: Cloud) -> None:
    local = cells.camera("hall")
    remote = remote_camera(cells, "porch")
    assert local.channel_arn and remote.channel_arn
    for device in (local, remote):
        assert device.channel_arn
        kvs.attach_master(device.channel_arn, RecordingMaster())
    token = cells.issuer.mint(OWNER)
    kvs.clear_calls()

    for endpoint_id in ("hall", "porch"):
        answered = cells.invoke(offer(endpoint_id, token, session_id=f"s-{endpoint_id}"))
        assert answered["event"]["header"]["name"] == "AnswerGeneratedForSession"
        state = cells.invoke(report_state(endpoint_id, token))
        assert state["context"]["properties"][0]["value"] == {"value": "OK"}
        for name in ("SessionConnected", "SessionDisconnected"):
            assert cells.invoke(session_event(name, endpoint_id, token))["event"]["header"]["name"] == name

    served = {(c.operation, c.channel_arn): c.account_id for c in kvs.calls() if c.outcome == "ok"}
    assert served[("SendAlexaOfferToMaster", local.channel_arn)] == DEFAULT_ACCOUNT_ID
    assert served[("SendAlexaOfferToMaster", remote.channel_arn)] == ACCOUNT_B
    assert served[("DescribeSignalingChannel", remote.channel_arn)] == ACCOUNT_B
    endpoints = cells.invoke(discover(token))["event"]["payload"]["endpoints"]
    assert sorted(e["endpointId"] for e in endpoints) == ["hall", "porch"]


def test_report_state_of_a_remote_channel_that_is_gone_is_no_such_endpoint(cells: Cloud) -> None:
    device = remote_camera(cells, "porch")
    assert device.channel_arn
    CellCredentials().session(CELL_B).client("kinesisvideo").delete_signaling_channel(
        ChannelARN=device.channel_arn
    )
    assert error_type(cells.invoke(report_state("porch", cells.issuer.mint(OWNER)))) == "NO_SUCH_ENDPOINT"


def test_a_channel_in_no_configured_cell_is_an_internal_error(
    cells: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    remote_camera(cells, "porch")
    monkeypatch.setenv(
        "CELLS", json.dumps([CONTROL_CELL.model_dump(by_alias=True, exclude_none=True)])
    )  # cell b dropped from the configuration
    kvs.clear_calls()
    assert error_type(cells.invoke(offer("porch", cells.issuer.mint(OWNER)))) == "INTERNAL_ERROR"
    assert kvs.calls() == []
