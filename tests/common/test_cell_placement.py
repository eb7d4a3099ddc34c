"""Placement: devices go to the least-loaded cell, atomically, and give their slot back."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest

from functions.common.cells.config import Cell, Cells
from functions.common.cells.placement import CellPlacement, FleetFullError
from functions.common.cells.placement_schema import create_table_kwargs
from localcloud.aws import dynamodb_atomicity

TABLE = "cell-placement"


def _cells(*capacities: int) -> Cells:
    return Cells(
        [
            Cell(id=f"c{n}", account=f"{n + 1:012d}", region="us-east-1", capacity=capacity)
            for n, capacity in enumerate(capacities)
        ]
    )


@pytest.fixture
def table(aws: None) -> Iterator[str]:
    dynamodb_atomicity.install()
    boto3.client("dynamodb").create_table(**create_table_kwargs(TABLE))
    yield TABLE


def _slots(table: str) -> Counter[str]:
    """Devices per cell, as the device slots say (independent of the counters)."""
    items = boto3.client("dynamodb").scan(TableName=table)["Items"]
    return Counter(i["cellId"]["S"] for i in items if "cellId" in i)


def test_devices_go_to_the_least_loaded_cell_by_fraction_of_capacity(table: str) -> None:
    placement = CellPlacement(table, _cells(4, 2))
    placed = [placement.assign(f"cam-{n}").id for n in range(6)]
    # 0/4 vs 0/2: the first; then 1/4 vs 0/2; 1/4 vs 1/2; 2/4 vs 1/2 (a tie: the first) ...
    assert placed == ["c0", "c1", "c0", "c0", "c1", "c0"]
    assert placement.loads() == {"c0": 4, "c1": 2}
    assert _slots(table) == {"c0": 4, "c1": 2}


def test_a_redelivered_registration_keeps_its_cell_and_counts_once(table: str) -> None:
    placement = CellPlacement(table, _cells(3, 3))
    first = placement.assign("cam-1")
    assert placement.assign("cam-1") == first
    assert placement.cell_of("cam-1") == first.id
    assert placement.loads() == {first.id: 1, "c1" if first.id == "c0" else "c0": 0}


def test_a_full_fleet_raises_until_a_slot_is_freed(table: str) -> None:
    placement = CellPlacement(table, _cells(1, 1))
    placement.assign("cam-1")
    placement.assign("cam-2")
    with pytest.raises(FleetFullError, match="every cell is at capacity"):
        placement.assign("cam-3")
    freed = placement.release("cam-1")
    assert freed is not None
    assert placement.release("cam-1") is None  # a redelivered deregistration frees nothing more
    assert placement.release("cam-never") is None
    assert placement.assign("cam-3").id == freed.id
    assert placement.loads() == {"c0": 1, "c1": 1}
    assert placement.cell_of("cam-1") is None


def test_capacity_added_to_a_full_cell_is_used(table: str) -> None:
    CellPlacement(table, _cells(1)).assign("cam-1")
    with pytest.raises(FleetFullError):
        CellPlacement(table, _cells(1)).assign("cam-2")
    assert CellPlacement(table, _cells(2)).assign("cam-2").id == "c0"


def test_concurrent_registrations_never_overfill_a_cell_and_count_exactly(table: str) -> None:
    capacities = (5, 3, 4)
    placement = CellPlacement(table, _cells(*capacities))
    devices = [f"cam-{n}" for n in range(30)] * 2  # every registration delivered twice
    start = threading.Barrier(16)

    def register(index: int, device_id: str) -> str | None:
        if index < 16:  # the first ones start together
            start.wait()
        try:
            return placement.assign(device_id).id
        except FleetFullError:
            return None

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(register, range(len(devices)), devices))
    by_device: dict[str, set[str | None]] = {}
    for device_id, cell in zip(devices, outcomes, strict=True):
        by_device.setdefault(device_id, set()).add(cell)
    placed = {d: cells - {None} for d, cells in by_device.items() if cells - {None}}
    # A device placed once stays in one cell, whichever delivery placed it.
    assert all(len(cells) == 1 for cells in placed.values())
    assert len(placed) == sum(capacities)
    loads = placement.loads()
    assert loads == {"c0": 5, "c1": 3, "c2": 4}
    assert _slots(table) == loads
    # Deregistrations racing each other free each slot once.
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(placement.release, list(placed) * 2))
    assert placement.loads() == {"c0": 0, "c1": 0, "c2": 0}
    assert _slots(table) == {}


def test_recording_an_existing_channel_counts_it_once_even_above_capacity(table: str) -> None:
    cells = _cells(1, 1)
    placement = CellPlacement(table, cells)
    assert placement.assign("cam-1").id == "c0"
    # A channel made before cells is in c0 already: it counts there, past the capacity.
    assert placement.record("cam-old", cells.get("c0")).id == "c0"
    assert placement.record("cam-old", cells.get("c1")).id == "c0"  # recorded once, where it is
    assert placement.loads() == {"c0": 2, "c1": 0}
    assert _slots(table) == {"c0": 2}
    assert placement.assign("cam-2").id == "c1"
