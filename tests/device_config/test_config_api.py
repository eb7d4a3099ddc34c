"""GET /config in process against moto and the KVS emulation."""

from __future__ import annotations

import base64
import json
import re
import time
from datetime import UTC, datetime

import pytest

from functions.common.observability import logger
from functions.device_config.handler import handler
from localcloud import kvs
from localcloud.aws.lambda_context import LambdaContext
from tests.device_config.conftest import (
    ACCOUNT,
    CAMERA_ROLE,
    Fleet,
    camera_arn,
    http_event,
    throttle_next,
)

OTHER_ACCOUNT = "210987654321"

TURN_URI = re.compile(
    r"^turns?:t-[0-9a-f]{8}\.kinesisvideo\.us-east-1\.amazonaws\.com:443\?transport=(udp|tcp)$"
)


def operations(name: str) -> list[kvs.CallRecord]:
    return [c for c in kvs.calls() if c.operation == name]


def test_registered_camera_gets_its_full_config(fleet: Fleet) -> None:
    camera = fleet.register("cam-1", ttl=45)
    before = int(time.time())

    reply = fleet.config("cam-1")

    assert reply.status == 200, reply.body
    assert reply.headers["Cache-Control"] == "no-store"
    body = reply.body
    assert set(body) == {
        "deviceId",
        "channelName",
        "channelArn",
        "role",
        "endpoints",
        "iceServers",
        "messageTtlSeconds",
        "refreshAfterSeconds",
        "refreshAt",
        "credentials",  # see test_camera_credentials.py
    }
    assert body["deviceId"] == "cam-1"
    assert body["channelName"] == "alexa-cam-cam-1"
    assert body["channelArn"] == camera.channel_arn
    assert body["role"] == "MASTER"
    assert re.match(
        r"^wss://m-[0-9a-f]{8}\.kinesisvideo\.us-east-1\.amazonaws\.com$", body["endpoints"]["WSS"]
    )
    assert re.match(
        r"^https://r-[0-9a-f]{8}\.kinesisvideo\.us-east-1\.amazonaws\.com$", body["endpoints"]["HTTPS"]
    )
    assert body["messageTtlSeconds"] == 45
    assert len(body["iceServers"]) == 2
    for server in body["iceServers"]:
        assert set(server) == {"uris", "username", "password", "ttl"}
        assert server["uris"] and all(TURN_URI.match(u) for u in server["uris"])
        assert server["username"] and server["password"]
        assert server["ttl"] == 300
    assert body["refreshAfterSeconds"] == 240
    refresh_at = datetime.strptime(body["refreshAt"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before + 240 <= refresh_at.timestamp() <= int(time.time()) + 240
    # The ICE call went to the channel's own endpoint, with the device as ClientId: it succeeded.
    assert [c.outcome for c in operations("GetIceServerConfig")] == ["ok"]


def test_endpoints_are_cached_and_ice_servers_fetched_fresh(fleet: Fleet) -> None:
    fleet.register("cam-1")
    first, second = fleet.config("cam-1"), fleet.config("cam-1")

    assert first.status == second.status == 200
    assert first.body["endpoints"] == second.body["endpoints"]
    assert len(operations("GetSignalingChannelEndpoint")) == 1
    assert len(operations("GetIceServerConfig")) == 2
    passwords = {s["password"] for r in (first, second) for s in r.body["iceServers"]}
    assert len(passwords) == 4
    assert not operations("DescribeSignalingChannel")


@pytest.mark.parametrize(
    ("query", "body"),
    [
        ({"deviceId": "cam-2"}, None),
        (None, json.dumps({"deviceId": "cam-2"})),
        ({"deviceId": "cam-1,cam-2"}, None),  # a repeated parameter arrives comma-joined
    ],
)
def test_a_camera_asking_for_another_devices_config_is_refused(
    fleet: Fleet, query: dict[str, str] | None, body: str | None
) -> None:
    fleet.register("cam-1")
    other = fleet.register("cam-2")

    reply = fleet.config("cam-1", query=query, body=body)

    assert reply.status == 403
    assert reply.body["code"] == "FORBIDDEN"
    assert other.channel_arn is not None and other.channel_arn not in json.dumps(reply.body)
    assert not operations("GetIceServerConfig")


def test_naming_itself_is_allowed(fleet: Fleet) -> None:
    fleet.register("cam-1")
    reply = fleet.config("cam-1", query={"deviceId": "cam-1"})
    assert reply.status == 200
    assert reply.body["deviceId"] == "cam-1"


def test_a_malformed_body_is_a_bad_request(fleet: Fleet) -> None:
    fleet.register("cam-1")
    assert fleet.config("cam-1", body="{not json").status == 400
    assert fleet.config("cam-1", body=json.dumps({"deviceId": 7})).status == 400


@pytest.mark.parametrize("body", ["!!!not-base64", base64.b64encode(b"\xff\xfe").decode()])
def test_a_body_that_does_not_decode_is_a_bad_request(fleet: Fleet, body: str) -> None:
    fleet.register("cam-1")
    event = http_event(camera_arn("cam-1"), body=body)
    event["isBase64Encoded"] = True
    result = handler(event, LambdaContext("device-config"))
    assert result["statusCode"] == 400
    assert json.loads(result["body"])["code"] == "BAD_REQUEST"


@pytest.mark.parametrize(
    "user_arn",
    [
        None,  # no IAM authorizer context at all
        "arn:aws:iam::123456789012:user/operator",
        "arn:aws:sts::123456789012:federated-user/cam-1",
        "arn:aws:sts::123456789012:assumed-role/camera-device/cam:1",
        "arn:aws:sts::123456789012:assumed-role/camera-device/cam@1",  # a valid session, not a deviceId
        "arn:aws:sts::12345:assumed-role/camera-device/cam-1",
        "arn:aws:sts::123456789012:assumed-role/camera-device/cam-1/extra",
        "arn:aws:sts::123456789012:assumed-role/camera-device/cam-1\n",  # `$` matches before "\n"
    ],
)
def test_callers_that_are_not_camera_sessions_are_forbidden(fleet: Fleet, user_arn: str | None) -> None:
    fleet.register("cam-1")
    reply = fleet.request(user_arn)
    assert reply.status == 403
    assert reply.body["code"] == "FORBIDDEN"


def test_only_the_camera_role(fleet: Fleet) -> None:
    assert fleet.env["CAMERA_ROLE_NAME"] == CAMERA_ROLE  # required: there is no "any role"
    fleet.register("cam-1")
    assert fleet.request(camera_arn("cam-1", role="operator")).status == 403
    assert fleet.request(camera_arn("cam-1")).status == 200


@pytest.mark.parametrize("camera_account", [None, ACCOUNT])
def test_only_the_camera_role_of_the_functions_account(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch, camera_account: str | None
) -> None:
    # Unset, CAMERA_ACCOUNT_ID is the function's own account (its invoked ARN), never "any".
    if camera_account is None:
        monkeypatch.delenv("CAMERA_ACCOUNT_ID", raising=False)
    else:
        monkeypatch.setenv("CAMERA_ACCOUNT_ID", camera_account)
    fleet.register("cam-1")
    kvs.clear_calls()

    # A role of the same name in another account (say, one that API access was shared with).
    reply = fleet.request(camera_arn("cam-1", account=OTHER_ACCOUNT))

    assert reply.status == 403
    assert reply.body["code"] == "FORBIDDEN"
    assert not kvs.calls()
    assert fleet.request(camera_arn("cam-1")).status == 200


def test_without_camera_account_id_the_account_is_the_one_the_function_runs_in(fleet: Fleet) -> None:
    fleet.register("cam-1")
    elsewhere = LambdaContext("device-config", account_id=OTHER_ACCOUNT)
    assert fleet.request(camera_arn("cam-1"), context=elsewhere).status == 403
    assert fleet.request(camera_arn("cam-1", account=OTHER_ACCOUNT), context=elsewhere).status == 200


def test_unknown_device_is_not_found(fleet: Fleet) -> None:
    reply = fleet.config("cam-unknown")
    assert reply.status == 404
    assert reply.body["code"] == "DEVICE_NOT_FOUND"
    assert not kvs.calls()


def test_deregistered_device_is_not_found(fleet: Fleet) -> None:
    camera = fleet.register("cam-1")
    fleet.deregister(camera)
    assert fleet.config("cam-1").status == 404


def test_camera_whose_channel_was_deleted_is_not_found(fleet: Fleet) -> None:
    camera = fleet.register("cam-1")
    assert fleet.config("cam-1").status == 200  # endpoints now cached
    fleet.kvs.delete_signaling_channel(ChannelARN=camera.channel_arn)

    reply = fleet.config("cam-1")

    assert reply.status == 404
    assert reply.body["code"] == "DEVICE_NOT_FOUND"
    assert [c.outcome for c in operations("DescribeSignalingChannel")] == ["ResourceNotFoundException"]


def test_channel_still_creating_is_a_conflict_with_a_retry_hint(fleet: Fleet) -> None:
    # Long enough for a loaded machine to ask while CREATING, short enough to wait out below.
    creating_s = 3.0
    kvs.set_creation_delay(creating_s)
    created = time.monotonic()
    fleet.register("cam-1")

    reply = fleet.config("cam-1")

    assert reply.status == 409
    assert reply.body["code"] == "CHANNEL_NOT_READY"
    assert "CREATING" in reply.body["message"]
    retry = int(reply.headers["Retry-After"])
    assert 5 <= retry <= 10
    assert reply.body["retryAfterSeconds"] == retry
    time.sleep(max(0.0, created + creating_s + 0.05 - time.monotonic()))
    assert fleet.config("cam-1").status == 200


def test_registered_camera_without_a_channel_yet_is_a_conflict(fleet: Fleet) -> None:
    fleet.register("cam-1", with_channel=False)
    reply = fleet.config("cam-1")
    assert reply.status == 409
    assert "Retry-After" in reply.headers
    assert not kvs.calls()


@pytest.mark.parametrize("operation", ["GetSignalingChannelEndpoint", "GetIceServerConfig"])
def test_kvs_throttling_is_429_with_retry_after(fleet: Fleet, operation: str) -> None:
    fleet.register("cam-1")
    kvs.inject(operation, error="ClientLimitExceededException", times=1)

    reply = fleet.config("cam-1")

    assert reply.status == 429
    assert reply.body["code"] == "THROTTLED"
    assert 2 <= int(reply.headers["Retry-After"]) <= 4
    assert fleet.config("cam-1").status == 200


def test_per_channel_quota_throttles_a_camera_that_asks_too_fast(fleet: Fleet) -> None:
    fleet.register("cam-1")
    kvs.enable_quotas()

    statuses: list[int] = []
    while 429 not in statuses and len(statuses) < 10:
        statuses.append(fleet.config("cam-1").status)

    # GetIceServerConfig allows 5 per second per channel, so the sixth request within the second
    # is throttled (later ones only if the machine is slow enough for the window to move).
    assert statuses[:5] == [200] * 5
    assert statuses[-1] == 429


@pytest.mark.parametrize("code", ["ProvisionedThroughputExceededException", "ThrottlingException"])
def test_registry_throttling_is_429(fleet: Fleet, code: str) -> None:
    from functions.common import aws_clients

    fleet.register("cam-1")
    throttle_next(aws_clients.client("dynamodb"), "GetItem", code)

    reply = fleet.config("cam-1")

    assert reply.status == 429
    assert "Retry-After" in reply.headers


def test_other_failures_are_500_without_internals(fleet: Fleet) -> None:
    camera = fleet.register("cam-1")
    kvs.inject(
        "GetSignalingChannelEndpoint", error="AccessDeniedException", message="role x lacks kinesisvideo:*"
    )

    reply = fleet.config("cam-1")

    assert reply.status == 500
    assert reply.body == {"code": "INTERNAL_ERROR", "message": "internal error"}
    assert camera.channel_arn is not None and camera.channel_arn not in json.dumps(reply.body)


def test_missing_configuration_is_500(fleet: Fleet, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REGISTRY_TABLE_NAME")
    fleet.register("cam-1")
    reply = fleet.config("cam-1")
    assert reply.status == 500
    assert "REGISTRY_TABLE_NAME" not in json.dumps(reply.body)


def test_unknown_route_is_404_json(fleet: Fleet) -> None:
    reply = fleet.config("cam-1", path="/admin")
    assert reply.status == 404
    assert reply.body["code"] == "NOT_FOUND"


def test_an_aws_error_quoting_the_request_reaches_the_log_as_its_code_only(
    fleet: Fleet, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    # AWS error messages repeat the value they refused; this one stands for a request's contents.
    quoted = "quoted-request-8f3a"
    fleet.register("cam-1")
    kvs.inject(
        "GetIceServerConfig", error="InvalidArgumentException", message=f"bad ClientId {quoted}", times=1
    )
    capsys.readouterr()

    reply = fleet.config("cam-1")

    assert reply.status == 500
    assert quoted not in json.dumps(reply.body)
    # Everything logged, with the keys the logger appends, as it would reach CloudWatch.
    logged = capsys.readouterr().out + "\n".join(
        logger.registered_formatter.format(r) for r in caplog.records
    )
    assert quoted not in logged
    (failed,) = [json.loads(line) for line in logged.splitlines() if '"config failed"' in line][:1]
    assert failed["error"] == "InvalidArgumentException"
    # Where it happened and what it was stay: the frames down to the call, and the type.
    assert "in ice_servers" in failed["exception"]
    assert failed["exception"].endswith("InvalidArgumentException\n")


def test_a_logged_lone_surrogate_does_not_lose_the_record(caplog: pytest.LogCaptureFixture) -> None:
    # Valid JSON from a caller, not UTF-8: written raw, the line could not be written at all.
    logger.info("config refused", extra={"reason": "named \ud800"})
    (record,) = caplog.records
    line = logger.registered_formatter.format(record)
    assert json.loads(line.encode("utf-8"))["reason"] == "named \ud800"
