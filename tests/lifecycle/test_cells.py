"""Placement in the lifecycle: new devices go to a cell with room before their channel is
created, the channel is made in that cell (a remote one through its role), a full fleet fails
the record until capacity is added, and a deregistration frees the slot."""

from __future__ import annotations

import json
import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from functions.common.cells.config import Cell, Cells
from functions.common.cells.credentials import CellCredentials
from functions.common.cells.placement import CellPlacement
from functions.common.registry.store import Registry
from functions.common.settings import ConfigurationError
from functions.device_lifecycle.dependencies import dependencies
from functions.device_lifecycle.settings import LifecycleSettings
from localcloud.aws import dynamodb_atomicity
from tests.lifecycle.support import ACCOUNT, event, run

ACCOUNT_B = "222222222222"


def _cells(capacity_a: int, capacity_b: int) -> Cells:
    return Cells(
        [
            Cell(id="a", account=ACCOUNT, region="us-east-1", capacity=capacity_a),
            Cell(
                id="b",
                account=ACCOUNT_B,
                region="us-east-1",
                role_arn=f"arn:aws:iam::{ACCOUNT_B}:role/cell-b",
                capacity=capacity_b,
            ),
        ]
    )


def _configure(monkeypatch: pytest.MonkeyPatch, cells: Cells) -> None:
    monkeypatch.setenv("CELLS", json.dumps([c.model_dump(by_alias=True, exclude_none=True) for c in cells]))
    dependencies.cache_clear()


def _placement(cells: Cells) -> CellPlacement:
    return CellPlacement(os.environ["PLACEMENT_TABLE_NAME"], cells)


def _channel_names(cell: Cell) -> set[str]:
    kv: Any = (
        CellCredentials().session(cell).client("kinesisvideo")
        if cell.role_arn
        else boto3.client("kinesisvideo", region_name=cell.region)
    )
    return {c["ChannelName"] for c in kv.list_signaling_channels()["ChannelInfoList"]}


def test_devices_spread_over_the_cells_and_each_channel_is_in_its_cell(
    lifecycle: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    cells = _cells(2, 2)
    _configure(monkeypatch, cells)
    assert run(*(event("DeviceRegistered", f"cam-{n}", n) for n in range(4))) == []

    placed = {f"cam-{n}": lifecycle.get(f"cam-{n}") for n in range(4)}
    for device_id, device in placed.items():
        assert device is not None and device.cell_id is not None and device.channel_arn is not None
        cell = cells.get(device.cell_id)
        assert cells.of_channel_arn(device.channel_arn) == cell  # the ARN names the cell's account
        assert f"alexa-cam-{device_id}" in _channel_names(cell)
        assert device.viewer_endpoint  # read from the cell's control plane
    assert Counter(d.cell_id for d in placed.values() if d) == {"a": 2, "b": 2}
    assert _placement(cells).loads() == {"a": 2, "b": 2}

    # An update and a redelivery stay in the device's cell and count nothing more.
    remote = next(i for i, d in placed.items() if d and d.cell_id == "b")
    assert run(event("DeviceUpdated", remote, 10, friendlyName="Porch")) == []
    assert run(event("DeviceRegistered", remote, 0)) == []
    after = lifecycle.get(remote)
    assert after is not None and after.friendly_name == "Porch" and after.cell_id == "b"
    assert after.channel_arn == placed[remote].channel_arn  # type: ignore[union-attr]
    assert _placement(cells).loads() == {"a": 2, "b": 2}

    # Deregistration deletes the channel in its cell and frees its slot.
    assert run(event("DeviceDeregistered", remote, 20, owner=None)) == []
    assert f"alexa-cam-{remote}" not in _channel_names(cells.get("b"))
    assert _placement(cells).loads() == {"a": 2, "b": 1}
    assert _placement(cells).cell_of(remote) is None
    assert run(event("DeviceDeregistered", remote, 20, owner=None)) == []  # redelivered: nothing more
    assert _placement(cells).loads() == {"a": 2, "b": 1}


# The batches run the handler in threads of one process, which share Powertools' one metric set:
# one invocation may flush another's metrics and leave that one none to publish. Lambda runs one
# invocation per process, so the warning says nothing about the functions here.
@pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")
def test_concurrent_registration_batches_never_overfill_a_cell(
    lifecycle: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    dynamodb_atomicity.install()
    cells = _cells(3, 3)
    _configure(monkeypatch, cells)
    batches = [[event("DeviceRegistered", f"cam-{b}-{n}", n) for n in range(2)] for b in range(4)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        failed = [f for fs in pool.map(lambda batch: run(*batch), batches) for f in fs]

    # 8 registrations, room for 6: exactly 2 fail, and no cell holds more than its capacity.
    assert len(failed) == 2
    loads = _placement(cells).loads()
    assert loads == {"a": 3, "b": 3}
    live = [d for d in lifecycle.scan() if d.is_active]
    assert Counter(d.cell_id for d in live) == {"a": 3, "b": 3}
    assert len(_channel_names(cells.get("a"))) == 3 and len(_channel_names(cells.get("b"))) == 3


def test_a_full_fleet_fails_the_record_until_capacity_is_added(
    lifecycle: Registry,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cells = _cells(1, 1)
    _configure(monkeypatch, cells)
    assert run(event("DeviceRegistered", "cam-1", 0), event("DeviceRegistered", "cam-2", 1)) == []
    full = event("DeviceRegistered", "cam-3", 2)

    failed = run(full)  # the batch item failure: SQS redelivers it, then moves it to the DLQ

    assert len(failed) == 1
    assert lifecycle.get("cam-3") is None
    assert "alexa-cam-cam-3" not in _channel_names(cells.get("a")) | _channel_names(cells.get("b"))
    fleet_full = [r for r in caplog.records if r.getMessage().startswith("fleet full")]
    assert [r.levelname for r in fleet_full] == ["ERROR"]  # one clear line
    assert '"FleetFull":[1.0]' in capsys.readouterr().out.replace(" ", "")  # the metric the alarm watches

    # Capacity added (cell b raised to 2), the same record redriven from the DLQ succeeds.
    bigger = _cells(1, 2)
    _configure(monkeypatch, bigger)
    assert run(full) == []
    device = lifecycle.get("cam-3")
    assert device is not None and device.is_active and device.cell_id == "b"
    assert _placement(bigger).loads() == {"a": 1, "b": 2}


def test_a_deregistration_frees_room_for_a_new_device(
    lifecycle: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    cells = _cells(1, 1)
    _configure(monkeypatch, cells)
    assert run(event("DeviceRegistered", "cam-1", 0), event("DeviceRegistered", "cam-2", 1)) == []
    assert len(run(event("DeviceRegistered", "cam-3", 2))) == 1
    freed = lifecycle.get("cam-1")
    assert freed is not None
    assert run(event("DeviceDeregistered", "cam-1", 5, owner=None)) == []
    assert run(event("DeviceRegistered", "cam-3", 2)) == []
    device = lifecycle.get("cam-3")
    assert device is not None and device.cell_id == freed.cell_id


def test_a_deregistration_arriving_first_leaves_no_slot_behind(
    lifecycle: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    cells = _cells(1, 1)
    _configure(monkeypatch, cells)
    assert run(event("DeviceDeregistered", "cam-1", 10, owner=None)) == []
    assert run(event("DeviceRegistered", "cam-1", 0)) == []  # older: skipped, nothing placed
    assert _placement(cells).loads() == {"a": 0, "b": 0}


def test_several_cells_without_a_placement_table_fail_at_start_naming_it() -> None:
    cells = json.dumps([c.model_dump(by_alias=True, exclude_none=True) for c in _cells(1, 1)])
    with pytest.raises(ConfigurationError, match="PLACEMENT_TABLE_NAME"):
        LifecycleSettings.load({"REGISTRY_TABLE_NAME": "registry", "CELLS": cells})
    one = json.dumps([_cells(1, 1)[0].model_dump(by_alias=True, exclude_none=True)])
    assert (
        LifecycleSettings.load({"REGISTRY_TABLE_NAME": "registry", "CELLS": one}).placement_table_name is None
    )
