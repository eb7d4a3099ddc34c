"""The emulation keeps accounts apart, as cells in several accounts need: a channel created with
a cell role's credentials (moto's STS AssumeRole) lives in the role's account only."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.core import DEFAULT_ACCOUNT_ID

from functions.common.cells.config import Cell
from functions.common.cells.credentials import CellCredentials
from localcloud import kvs

from .conftest import signaling_client

ACCOUNT_B = "222222222222"


@pytest.fixture
def cell_b(aws: None) -> Cell:
    return Cell(
        id="b",
        account=ACCOUNT_B,
        region="us-east-1",
        role_arn=f"arn:aws:iam::{ACCOUNT_B}:role/cell",
        capacity=5,
    )


def _names(client: Any) -> list[str]:
    return [c["ChannelName"] for c in client.list_signaling_channels()["ChannelInfoList"]]


def test_a_channel_made_with_assumed_role_credentials_is_in_the_roles_account_only(
    kv: Any, cell_b: Cell
) -> None:
    session_b = CellCredentials().session(cell_b)
    kv_b = session_b.client("kinesisvideo")
    arn_b = kv_b.create_signaling_channel(ChannelName="alexa-cam-cam-1")["ChannelARN"]
    assert arn_b.split(":")[4] == ACCOUNT_B
    assert _names(kv_b) == ["alexa-cam-cam-1"]
    assert _names(kv) == []  # account A (moto's default) sees none of B's channels
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        kv.describe_signaling_channel(ChannelARN=arn_b)
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        kv.get_signaling_channel_endpoint(
            ChannelARN=arn_b,
            SingleMasterChannelEndpointConfiguration={"Protocols": ["HTTPS"], "Role": "VIEWER"},
        )
    # Names are per account: A may hold a channel of the same name, under its own ARN.
    arn_a = kv.create_signaling_channel(ChannelName="alexa-cam-cam-1")["ChannelARN"]
    assert arn_a.split(":")[4] == DEFAULT_ACCOUNT_ID != ACCOUNT_B
    # B's data plane answers B's credentials only, and the calls are accounted to B.
    endpoint = kv_b.get_signaling_channel_endpoint(
        ChannelARN=arn_b, SingleMasterChannelEndpointConfiguration={"Protocols": ["HTTPS"], "Role": "VIEWER"}
    )["ResourceEndpointList"][0]["ResourceEndpoint"]
    sig_b = session_b.client("kinesis-video-signaling", endpoint_url=endpoint)
    assert sig_b.get_ice_server_config(ChannelARN=arn_b)["IceServerList"]
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        signaling_client(kv_b, arn_b).get_ice_server_config(ChannelARN=arn_b)  # A's credentials
    served = {c.account_id for c in kvs.calls() if c.channel_arn == arn_b and c.outcome == "ok"}
    assert served == {ACCOUNT_B}


def test_the_default_credentials_are_the_control_account(aws: None) -> None:
    assert boto3.client("sts").get_caller_identity()["Account"] == DEFAULT_ACCOUNT_ID


def test_the_adapter_reaches_a_remote_cell_through_its_role_and_reuses_the_credentials(
    kv: Any, cell_b: Cell
) -> None:
    from functions.common import aws_clients
    from functions.common.kvs import clients

    kv_b = clients.control_plane(clients.ClientLimits(), cell=cell_b)
    arn = kv_b.create_signaling_channel(ChannelName="alexa-cam-cam-2")["ChannelARN"]
    assert arn.split(":")[4] == ACCOUNT_B
    assert _names(kv) == []
    # One client per cell and limits; the control account's client is another one.
    assert clients.control_plane(clients.ClientLimits(), cell=cell_b) is kv_b
    assert clients.control_plane(clients.ClientLimits()) is not kv_b
    aws_clients.clear_cache()
    assert clients.control_plane(clients.ClientLimits(), cell=cell_b) is not kv_b


def test_an_injection_for_one_account_leaves_the_others_alone(kv: Any, cell_b: Cell) -> None:
    kv_b = CellCredentials().session(cell_b).client("kinesisvideo")
    kvs.inject("ListSignalingChannels", error="AccessDeniedException", account=ACCOUNT_B)
    try:
        assert _names(kv) == []  # the control account is served
        with pytest.raises(ClientError, match="AccessDeniedException"):
            kv_b.list_signaling_channels()
        with pytest.raises(ClientError, match="AccessDeniedException"):
            kv_b.list_signaling_channels()  # every call of B's, not only the first
    finally:
        kvs.reset_faults()
