"""One-off for a stage deployed before cells: give every live device a placement slot.

Devices registered before placement have a channel but no slot, so the cells' counters miss
them. This records each live device's slot in the cell its channel ARN names (above capacity if
need be: the channel exists) and prints devices per cell. Idempotent: a device with a slot keeps
it, so the command may run again, or while the lifecycle function runs (it records a missing slot
on a device's next event too). Run it with the control account's credentials and the lifecycle
function's variables (REGISTRY_TABLE_NAME, PLACEMENT_TABLE_NAME, CELLS if set):

    python -m functions.device_lifecycle.backfill [--account ACCOUNT] [--region REGION]

The control account and region default to the credentials' account and the configured region.
"""

from __future__ import annotations

import argparse
from collections import Counter

import boto3

from functions.common.cells.placement import CellPlacement
from functions.common.registry.store import Registry
from functions.common.settings import ConfigurationError
from functions.device_lifecycle.settings import LifecycleSettings


def placement_table(settings: LifecycleSettings) -> str:
    """The placement table the backfill fills; ConfigurationError when none is configured."""
    if settings.placement_table_name is None:
        raise ConfigurationError("invalid configuration: PLACEMENT_TABLE_NAME: required by the backfill")
    return settings.placement_table_name


def backfill(settings: LifecycleSettings, control_account: str, control_region: str) -> Counter[str]:
    """Record a slot for each live device with a channel; the devices per cell it finds."""
    cells = settings.cells(control_account, control_region)
    placement = CellPlacement(placement_table(settings), cells)
    per_cell: Counter[str] = Counter()
    for device in Registry(settings.registry_table_name).scan():
        if device.is_active and device.channel_arn is not None:
            per_cell[placement.record(device.device_id, cells.of_channel_arn(device.channel_arn)).id] += 1
    return per_cell


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m functions.device_lifecycle.backfill",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("--account", help="the control account (default: the credentials' account)")
    parser.add_argument("--region", help="the control region (default: the configured region)")
    args = parser.parse_args(argv)
    try:
        # Settings first: a bad one is reported before any AWS call.
        settings = LifecycleSettings.load()
        placement_table(settings)
        region = args.region or boto3.session.Session().region_name
        if region is None:
            parser.error("no region configured: pass --region")
        account = args.account or boto3.client("sts").get_caller_identity()["Account"]
        per_cell = backfill(settings, account, region)
    except ConfigurationError as exc:
        parser.exit(2, f"{parser.prog}: {exc}\n")
    for cell_id, devices in sorted(per_cell.items()):
        print(f"cell {cell_id}: {devices} live devices with a slot")
    print(f"{sum(per_cell.values())} live devices in {len(per_cell)} cells")


if __name__ == "__main__":
    main()
