"""Device config serves a camera in any cell: endpoints and TURN servers through that cell's
account, and short-lived credentials for the camera's own channel there (STS AssumeRole of the
cell's camera role with a session policy naming that one channel)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto.sts.models import sts_backends

from functions.common.cells.config import Cell
from functions.common.cells.credentials import CellCredentials
from functions.common.registry.store import Device, event_time_key
from localcloud import kvs
from tests.conftest import logged_text
from tests.device_config.conftest import ACCOUNT, OWNER, Fleet

ACCOUNT_B = "222222222222"
CAMERA_ACTIONS = {
    "kinesisvideo:ConnectAsMaster",
    "kinesisvideo:GetSignalingChannelEndpoint",
    "kinesisvideo:GetIceServerConfig",
}
CELL_A = {"id": "a", "account": ACCOUNT, "region": "us-east-1", "capacity": 5}
CELL_B = {
    "id": "b",
    "account": ACCOUNT_B,
    "region": "us-east-1",
    "roleArn": f"arn:aws:iam::{ACCOUNT_B}:role/dev-cell-b",
    "capacity": 5,
}


def _place_in_b(fleet: Fleet, device_id: str) -> str:
    """A camera whose channel the lifecycle created in cell b (account B, through b's role)."""
    session = CellCredentials().session(Cell.model_validate(CELL_B))
    name = f"{fleet.env['CHANNEL_NAME_PREFIX']}{device_id}"
    arn: str = session.client("kinesisvideo").create_signaling_channel(ChannelName=name)["ChannelARN"]
    device = Device(
        device_id=device_id,
        owner_id=OWNER,
        channel_name=name,
        channel_arn=arn,
        cell_id="b",
        friendly_name=device_id,
        message_ttl_seconds=5,
        last_event_time=event_time_key(datetime.now(UTC)),
        last_event_id=device_id,
    )
    assert fleet.registry.put_if_newer(device)
    return arn


def _assumed(account: str) -> list[Any]:
    return list(sts_backends[account]["aws"].assumed_roles)


def _as_camera(credentials: dict[str, str]) -> boto3.Session:
    return boto3.Session(
        aws_access_key_id=credentials["accessKeyId"],
        aws_secret_access_key=credentials["secretAccessKey"],
        aws_session_token=credentials["sessionToken"],
        region_name=credentials["region"],
    )


def _camera_signals_on(session: boto3.Session, channel_arn: str) -> None:
    """What a camera does with its credentials: its MASTER endpoint, then TURN servers there."""
    endpoints = session.client("kinesisvideo").get_signaling_channel_endpoint(
        ChannelARN=channel_arn,
        SingleMasterChannelEndpointConfiguration={"Protocols": ["HTTPS", "WSS"], "Role": "MASTER"},
    )["ResourceEndpointList"]
    https = next(e["ResourceEndpoint"] for e in endpoints if e["Protocol"] == "HTTPS")
    signaling = session.client("kinesis-video-signaling", endpoint_url=https)
    assert signaling.get_ice_server_config(ChannelARN=channel_arn, ClientId="cam")["IceServerList"]


def _only_its_channel(policy: str, channel_arn: str) -> None:
    document = json.loads(policy)
    assert document["Version"] == "2012-10-17"
    (statement,) = document["Statement"]
    assert statement["Effect"] == "Allow"
    assert set(statement["Action"]) == CAMERA_ACTIONS
    assert len(statement["Action"]) == len(CAMERA_ACTIONS)
    assert statement["Resource"] == channel_arn
    assert set(statement) == {"Effect", "Action", "Resource"}  # no wildcard, no condition widening it


@pytest.mark.parametrize("cells", [None, [CELL_A, CELL_B]], ids=["no CELLS", "cell a of CELLS"])
def test_a_camera_in_the_control_cell_gets_credentials_for_its_own_channel(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch, cells: list[dict[str, Any]] | None
) -> None:
    if cells is not None:
        monkeypatch.setenv("CELLS", json.dumps(cells))
    camera = fleet.register("cam-1")
    assert camera.channel_arn is not None
    before = datetime.now(UTC).replace(microsecond=0)

    reply = fleet.config("cam-1")

    assert reply.status == 200, reply.body
    credentials = reply.body["credentials"]
    assert set(credentials) == {"accessKeyId", "secretAccessKey", "sessionToken", "expiration", "region"}
    assert credentials["region"] == "us-east-1"
    expiration = datetime.strptime(credentials["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert 900 <= (expiration - before).total_seconds() <= 910  # the default: 15 minutes
    (assumed,) = _assumed(ACCOUNT)
    cell_id = "default" if cells is None else "a"
    assert assumed.role_arn == f"arn:aws:iam::{ACCOUNT}:role/dev-camera-{cell_id}"
    assert assumed.session_name == "cam-1"  # the deviceId
    _only_its_channel(assumed.policy, camera.channel_arn)
    # The credentials are the camera's session of that role, and they work on its channel.
    camera_session = _as_camera(credentials)
    identity = camera_session.client("sts").get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/dev-camera-{cell_id}/cam-1"
    _camera_signals_on(camera_session, camera.channel_arn)


def test_a_camera_in_a_remote_cell_gets_its_config_and_credentials_from_that_cells_account(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CELLS", json.dumps([CELL_A, CELL_B]))
    channel_arn = _place_in_b(fleet, "cam-b")
    kvs.clear_calls()

    reply = fleet.config("cam-b")

    assert reply.status == 200, reply.body
    assert reply.body["channelArn"] == channel_arn
    assert reply.body["endpoints"]["WSS"].startswith("wss://")
    assert len(reply.body["iceServers"]) == 2
    # Endpoint and TURN servers came from account B's KVS, through cell b's role.
    served = {(c.operation, c.account_id) for c in kvs.calls() if c.outcome == "ok"}
    assert served == {("GetSignalingChannelEndpoint", ACCOUNT_B), ("GetIceServerConfig", ACCOUNT_B)}
    camera_grants = [r for r in _assumed(ACCOUNT_B) if r.session_name == "cam-b"]
    (assumed,) = camera_grants
    assert assumed.role_arn == f"arn:aws:iam::{ACCOUNT_B}:role/dev-camera-b"
    _only_its_channel(assumed.policy, channel_arn)
    camera_session = _as_camera(reply.body["credentials"])
    assert camera_session.client("sts").get_caller_identity()["Account"] == ACCOUNT_B
    _camera_signals_on(camera_session, channel_arn)


def test_the_credentials_last_as_configured(fleet: Fleet, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMERA_CREDENTIALS_DURATION_SECONDS", "3600")
    fleet.register("cam-1")
    before = datetime.now(UTC).replace(microsecond=0)
    reply = fleet.config("cam-1")
    assert reply.status == 200
    expiration = datetime.strptime(reply.body["credentials"]["expiration"], "%Y-%m-%dT%H:%M:%SZ")
    assert 3600 <= (expiration.replace(tzinfo=UTC) - before).total_seconds() <= 3610
    # TURN servers expire first, and say when to ask again.
    assert reply.body["refreshAfterSeconds"] == 240


def test_no_credentials_are_issued_for_a_channel_that_is_not_ready(fleet: Fleet) -> None:
    fleet.register("cam-1", with_channel=False)
    assert fleet.config("cam-1").status == 409
    assert _assumed(ACCOUNT) == []


def test_the_credentials_reach_no_log(
    fleet: Fleet, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    fleet.register("cam-1")
    caplog.set_level("DEBUG")
    capsys.readouterr()

    reply = fleet.config("cam-1")

    assert reply.status == 200
    logged = capsys.readouterr().out + logged_text(caplog)
    assert "config served" in logged
    for key in ("accessKeyId", "secretAccessKey", "sessionToken"):
        assert reply.body["credentials"][key] not in logged, key


def _sts_answers(code: str, status: int) -> None:
    """The function's STS client answers its next AssumeRole with this error."""
    from functions.common.aws_clients import sts_client

    events = sts_client().meta.events
    name = "before-call.sts.AssumeRole"

    def once(**_: object) -> tuple[object, dict[str, object]]:
        events.unregister(name, once)
        error = {
            "Error": {"Code": code, "Message": "arn:aws:iam::222222222222:role/x is not authorized"},
            "ResponseMetadata": {"HTTPStatusCode": status},
        }
        return type("HttpResponse", (), {"status_code": status})(), error

    events.register(name, once)


@pytest.mark.parametrize(
    ("code", "http", "status", "body_code"),
    [
        ("Throttling", 400, 429, "THROTTLED"),
        ("AccessDenied", 403, 502, "CREDENTIALS_REFUSED"),
        ("RegionDisabledException", 403, 502, "CREDENTIALS_REFUSED"),
        ("ServiceUnavailable", 503, 503, "CREDENTIALS_UNAVAILABLE"),
    ],
)
def test_sts_errors_are_http_errors_without_their_text(
    fleet: Fleet,
    *,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    code: str,
    http: int,
    status: int,
    body_code: str,
) -> None:
    fleet.register("cam-1")
    _sts_answers(code, http)
    capsys.readouterr()

    reply = fleet.config("cam-1")

    assert reply.status == status, reply.body
    assert reply.body["code"] == body_code
    assert "not authorized" not in json.dumps(reply.body)
    if status != 502:
        assert int(reply.headers["Retry-After"]) >= 1
    logged = capsys.readouterr().out + logged_text(caplog)
    assert code in logged
    assert "not authorized" not in logged
    assert fleet.config("cam-1").status == 200  # the next request is served


def test_the_credentials_reprs_hide_the_secrets() -> None:
    from functions.device_config.camera_credentials import IssuedCredentials
    from functions.device_config.models import CameraCredentials

    issued = IssuedCredentials("ASIAKEY", "secret-1", "token-1", datetime.now(UTC))
    served = CameraCredentials(
        access_key_id="ASIAKEY",
        secret_access_key="secret-1",
        session_token="token-1",
        expiration=issued.expiration,
        region="us-east-1",
    )
    for shown in (repr(issued), repr(served), str(served)):
        assert "secret-1" not in shown
        assert "token-1" not in shown
    assert served.model_dump(mode="json")["secret_access_key"] == "secret-1"  # only the body reveals it
