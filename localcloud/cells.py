"""The local cloud's cells: three accounts in moto, as a stage with cells would be deployed.

Cell `a` is the control account (moto's default, where the functions run); cells `b` and `c` are
two other accounts in the same region. Each has a small capacity, so a handful of cameras fills
one and the next camera spills into another. What the platform team deploys in a cell account
(the cell stack, `infra/cell_stack.py`) is created here in moto's IAM, with the names the stack
gives them: `{stage}-cell-{id}` for the control functions, `{stage}-camera-{id}` for the camera
credentials device config hands out. The roles are created as an organization's administrators
would, through `OrganizationAccountAccessRole` in each member account (moto's STS lets a caller
assume a role in any account; moto does not evaluate IAM policies, see docs/local-cloud.md).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import boto3

from functions.common.cells.config import Cell, Cells, render_cells
from functions.common.cells.credentials import CellCredentials
from functions.common.cells.placement import CellPlacement
from localcloud.aws.lambda_context import ACCOUNT_ID

STAGE = "local"
DEFAULT_CAPACITY = 2
# The member accounts of cells b and c (cell a is the control account).
CELL_ACCOUNTS = {"a": ACCOUNT_ID, "b": "222222222222", "c": "333333333333"}
# What an organization's management account assumes in a member account to administer it.
ADMIN_ROLE = "OrganizationAccountAccessRole"
# The functions that call KVS, as the stack names their roles ({stage}-{service}).
KVS_FUNCTIONS = ("alexa-skill", "device-lifecycle", "tag-rotation", "device-config")
# moto stores IAM policies without evaluating them: these say what the cell stack grants (its
# per-function action lists live in the infra, which the local cloud does not import).
CELL_ACTIONS = ("kinesisvideo:*",)
CAMERA_ACTIONS = (
    "kinesisvideo:ConnectAsMaster",
    "kinesisvideo:GetSignalingChannelEndpoint",
    "kinesisvideo:GetIceServerConfig",
)


def cell_role_name(cell_id: str) -> str:
    return f"{STAGE}-cell-{cell_id}"


def camera_role_name(cell_id: str) -> str:
    return f"{STAGE}-camera-{cell_id}"


def local_cells(capacity: int = DEFAULT_CAPACITY, region: str = "us-east-1") -> tuple[Cell, ...]:
    """Cells a, b and c, `capacity` channels each; b and c reached through their cell roles."""
    return tuple(
        Cell(
            id=cell_id,
            account=account,
            region=region,
            role_arn=None
            if account == ACCOUNT_ID
            else f"arn:aws:iam::{account}:role/{cell_role_name(cell_id)}",
            capacity=capacity,
        )
        for cell_id, account in CELL_ACCOUNTS.items()
    )


def admin_session(cell: Cell) -> boto3.Session:
    """A session administering the cell's account (the control account's own for cell a)."""
    if cell.role_arn is None:
        return boto3.Session(region_name=cell.region)
    issued = boto3.client("sts", region_name=cell.region).assume_role(
        RoleArn=f"arn:aws:iam::{cell.account}:role/{ADMIN_ROLE}", RoleSessionName="localcloud-bootstrap"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=issued["AccessKeyId"],
        aws_secret_access_key=issued["SecretAccessKey"],
        aws_session_token=issued["SessionToken"],
        region_name=cell.region,
    )


def _trust(principal_arns: Sequence[str]) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"ArnEquals": {"aws:PrincipalArn": sorted(principal_arns)}},
                }
            ],
        }
    )


def _channels_policy(cell: Cell, prefix: str, actions: Sequence[str]) -> str:
    channels = f"arn:aws:kinesisvideo:{cell.region}:{cell.account}:channel/{prefix}*/*"
    statements: list[dict[str, Any]] = [{"Effect": "Allow", "Action": list(actions), "Resource": channels}]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def _put_role(iam: Any, name: str, trust: str, policy: str) -> None:
    try:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
    except iam.exceptions.EntityAlreadyExistsException:
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=trust)
    iam.put_role_policy(RoleName=name, PolicyName="channels", PolicyDocument=policy)


def create_cell_roles(cells: Sequence[Cell], channel_prefix: str) -> None:
    """Each cell's camera credentials role, and in each cell outside the control account the role
    the control functions assume: what the cell stacks (and the control stack, for cell a's camera
    role) deploy."""
    function_roles = [f"arn:aws:iam::{ACCOUNT_ID}:role/{STAGE}-{service}" for service in KVS_FUNCTIONS]
    for cell in cells:
        iam = admin_session(cell).client("iam")
        _put_role(
            iam,
            camera_role_name(cell.id),
            _trust([f"arn:aws:iam::{ACCOUNT_ID}:role/{STAGE}-device-config"]),
            _channels_policy(cell, channel_prefix, CAMERA_ACTIONS),
        )
        if cell.role_arn is None:
            continue
        cell_policy = json.loads(_channels_policy(cell, channel_prefix, CELL_ACTIONS))
        cell_policy["Statement"].append(
            {"Effect": "Allow", "Action": "kinesisvideo:ListSignalingChannels", "Resource": "*"}
        )
        _put_role(iam, cell_role_name(cell.id), _trust(function_roles), json.dumps(cell_policy))


def cells_environment(cells: Sequence[Cell]) -> dict[str, str]:
    """The functions' variables for these cells: `CELLS`, and the stage name the role names
    derive from."""
    return {"CELLS": render_cells(cells), "ENVIRONMENT_NAME": STAGE}


def cell_status(
    cells: Sequence[Cell],
    placement_table: str,
    channel_prefix: str,
    credentials: CellCredentials | None = None,
) -> list[dict[str, Any]]:
    """Each cell with its capacity, the devices placement put there and the channels its account
    holds (listed through the cell's role, as the functions reach it; pass `credentials` to reuse
    the role sessions across calls)."""
    loads = CellPlacement(placement_table, Cells(cells)).loads()
    credentials = credentials or CellCredentials(session_name="localcloud-status")
    status = []
    for cell in cells:
        kinesisvideo = credentials.session(cell).client("kinesisvideo")
        pages = kinesisvideo.get_paginator("list_signaling_channels").paginate(
            ChannelNameCondition={"ComparisonOperator": "BEGINS_WITH", "ComparisonValue": channel_prefix}
        )
        status.append(
            {
                "id": cell.id,
                "account": cell.account,
                "region": cell.region,
                "capacity": cell.capacity,
                "placed": loads[cell.id],
                "channels": sum(len(page.get("ChannelInfoList", [])) for page in pages),
            }
        )
    return status
