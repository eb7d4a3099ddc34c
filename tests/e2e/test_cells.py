"""The local cloud's three cells in three accounts: CELLS the functions accept, the cell roles in
the cell accounts, and the running cloud's view of them."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import boto3
import pytest

from functions.common.cells.config import Cells, CellSettings, render_cells
from functions.common.cells.placement import CellPlacement
from localcloud.aws import master_access
from localcloud.aws.bootstrap import create_resources
from localcloud.aws.client import CloudClient, cloud_session
from localcloud.aws.lambda_context import ACCOUNT_ID
from localcloud.cameras.camera import SimulatedCamera
from localcloud.cells import (
    CELL_ACCOUNTS,
    admin_session,
    camera_role_name,
    cell_role_name,
    cell_status,
    create_cell_roles,
    local_cells,
)
from localcloud.cloud import CloudState

REGION = "us-east-1"


def test_the_functions_accept_the_local_cells_with_the_control_account_as_cell_a() -> None:
    settings = CellSettings.load({"REGISTRY_TABLE_NAME": "registry", "CELLS": render_cells(local_cells(3))})
    cells = settings.cells(ACCOUNT_ID, REGION)
    assert [cell.id for cell in cells] == ["a", "b", "c"]
    assert len({cell.account for cell in cells}) == 3
    assert cells.get("a").account == ACCOUNT_ID and cells.get("a").role_arn is None
    assert [cell.role_arn for cell in cells][1:] == [
        f"arn:aws:iam::{cells.get(i).account}:role/local-cell-{i}" for i in ("b", "c")
    ]
    assert {cell.capacity for cell in cells} == {3}


def test_each_cell_account_holds_its_cell_and_camera_roles_and_only_it(aws: None) -> None:
    cells = local_cells()
    create_cell_roles(cells, "alexa-cam-")
    roles = {
        cell.id: {role["RoleName"] for role in admin_session(cell).client("iam").list_roles()["Roles"]}
        for cell in cells
    }
    # Cell a is the control account: the functions' own roles reach it, cameras need its camera role.
    assert camera_role_name("a") in roles["a"]
    assert roles["a"].isdisjoint({cell_role_name(i) for i in "abc"} | {camera_role_name(i) for i in "bc"})
    for cell in cells[1:]:
        assert {cell_role_name(cell.id), camera_role_name(cell.id)} <= roles[cell.id]
        other = next(c for c in cells[1:] if c.id != cell.id)
        assert cell_role_name(other.id) not in roles[cell.id]
        role = admin_session(cell).client("iam").get_role(RoleName=cell_role_name(cell.id))["Role"]
        assert role["Arn"] == cell.role_arn
    create_cell_roles(cells, "alexa-cam-")  # a restart finds them in place


def test_cell_status_counts_placements_and_the_channels_each_account_holds(aws: None) -> None:
    env = create_resources()
    cells = local_cells()
    create_cell_roles(cells, env["CHANNEL_NAME_PREFIX"])
    placement = CellPlacement(env["PLACEMENT_TABLE_NAME"], Cells(cells))
    placed = [placement.assign(f"cam-{n}").id for n in range(4)]
    assert placed == ["a", "b", "c", "a"]  # least loaded, ties in CELLS order
    status = cell_status(cells, env["PLACEMENT_TABLE_NAME"], env["CHANNEL_NAME_PREFIX"])
    assert [(s["id"], s["placed"], s["capacity"], s["channels"]) for s in status] == [
        ("a", 2, 2, 0),
        ("b", 1, 2, 0),
        ("c", 1, 2, 0),
    ]


@pytest.mark.e2e
def test_the_running_cloud_reports_three_cells_and_its_cameras_channels_in_them(cloud: CloudState) -> None:
    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        async with cloud_session(cloud.ca_file) as session:
            client = CloudClient(cloud.url, session, cloud.region)
            before = await client.cells()
            camera = SimulatedCamera(client, f"cell-{uuid.uuid4().hex[:6]}", "fay", "Shed")
            await camera.bring_up()
            try:
                assert camera.connected
                after = await client.cells()
            finally:
                await camera.close()
            return before, after

    before, after = asyncio.run(scenario())
    assert [(c["id"], c["capacity"]) for c in before] == [("a", 2), ("b", 2), ("c", 2)]
    assert len({c["account"] for c in before}) == 3
    assert sum(int(c["channels"]) for c in after) == sum(int(c["channels"]) for c in before) + 1


def _session_query(cell_account: str, role: str, policy: str | None = None) -> dict[str, str]:
    """The credential part of a URL presigned with a fresh STS session of `role` in the account."""
    kwargs = {"Policy": policy} if policy is not None else {}
    issued = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=f"arn:aws:iam::{cell_account}:role/{role}", RoleSessionName="cam-1", **kwargs
    )["Credentials"]
    return {"X-Amz-Credential": f"{issued['AccessKeyId']}/20260101/{REGION}/kinesisvideo/aws4_request"}


def test_a_master_connects_only_with_credentials_of_its_channels_account_and_policy(aws: None) -> None:
    account_b, account_c = CELL_ACCOUNTS["b"], CELL_ACCOUNTS["c"]
    channel = f"arn:aws:kinesisvideo:{REGION}:{account_b}:channel/alexa-cam-cam-1/1"
    other = f"arn:aws:kinesisvideo:{REGION}:{account_b}:channel/alexa-cam-cam-2/2"
    narrowed = _session_query(account_b, camera_role_name("b"), session_policy(channel))
    master_access.check(narrowed, channel)
    with pytest.raises(master_access.MasterRefused, match="session policy"):
        master_access.check(narrowed, other)
    with pytest.raises(master_access.MasterRefused, match="account"):
        master_access.check(_session_query(account_c, camera_role_name("c")), channel)
    # A session with no session policy: its role's policies decide (moto evaluates none).
    master_access.check(_session_query(account_b, camera_role_name("b")), other)
    # A key no STS session owns (tests presigning by hand) passes, as before cells.
    master_access.check(
        {"X-Amz-Credential": f"localcloud/20260101/{REGION}/kinesisvideo/aws4_request"}, other
    )


def session_policy(channel_arn: str) -> str:
    """A one-channel camera session policy, as device config writes it."""
    statement = {
        "Effect": "Allow",
        "Action": ["kinesisvideo:ConnectAsMaster", "kinesisvideo:GetIceServerConfig"],
        "Resource": channel_arn,
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})
