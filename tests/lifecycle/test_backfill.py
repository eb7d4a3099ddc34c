"""The one-off backfill: devices registered before placement get their slot, once."""

from __future__ import annotations

import os

import pytest

from functions.common.cells.placement import CellPlacement
from functions.common.registry.store import Registry
from functions.device_lifecycle.backfill import main
from functions.device_lifecycle.dependencies import dependencies
from functions.device_lifecycle.settings import LifecycleSettings
from tests.lifecycle.support import ACCOUNT, event, run


def test_devices_registered_before_placement_get_a_slot_in_their_channels_cell(
    lifecycle: Registry, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    table = os.environ["PLACEMENT_TABLE_NAME"]
    # A stage before cells: no placement table configured.
    monkeypatch.delenv("PLACEMENT_TABLE_NAME")
    dependencies.cache_clear()
    assert run(*(event("DeviceRegistered", f"cam-{n}", n) for n in range(3))) == []
    assert run(event("DeviceDeregistered", "cam-2", 10, owner=None)) == []
    monkeypatch.setenv("PLACEMENT_TABLE_NAME", table)
    cells = LifecycleSettings.load().cells(ACCOUNT, "us-east-1")
    placement = CellPlacement(table, cells)
    assert placement.loads() == {"default": 0}

    main(["--region", "us-east-1"])  # the account from the credentials (moto's, the control one)
    main(["--account", ACCOUNT, "--region", "us-east-1"])  # again: nothing counted twice

    assert placement.loads() == {"default": 2}
    assert {placement.cell_of(f"cam-{n}") for n in range(2)} == {"default"}
    assert placement.cell_of("cam-2") is None  # deregistered: no channel, no slot
    assert capsys.readouterr().out.splitlines()[-2:] == [
        "cell default: 2 live devices with a slot",
        "2 live devices in 1 cells",
    ]
    # The lifecycle then frees the backfilled slot on deregistration.
    dependencies.cache_clear()
    assert run(event("DeviceDeregistered", "cam-0", 20, owner=None)) == []
    assert placement.loads() == {"default": 1}


@pytest.mark.parametrize(
    ("variables", "problem"),
    [
        (
            {"CELLS": "a,b"},
            'CELLS: not valid JSON; expected a JSON list of {"id", "account", "region", "roleArn" '
            "(not in the control account), \"capacity\"} (got 'a,b')",
        ),
        ({"PLACEMENT_TABLE_NAME": None}, "PLACEMENT_TABLE_NAME: required by the backfill"),
    ],
)
def test_a_bad_setting_stops_the_backfill_with_one_line_before_any_aws_call(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variables: dict[str, str | None],
    problem: str,
) -> None:
    # Nothing answers on the discard port: a call to AWS would fail, and not with status 2.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("REGISTRY_TABLE_NAME", "registry")
    monkeypatch.setenv("PLACEMENT_TABLE_NAME", "placement")
    for name, value in variables.items():
        if value is None:
            monkeypatch.delenv(name)
        else:
            monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exit_:
        main([])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.splitlines() == [
        f"python -m functions.device_lifecycle.backfill: invalid configuration: {problem}"
    ]
