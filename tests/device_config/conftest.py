"""A camera fleet seeded straight into the emulated cloud, and requests as API Gateway sends them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from functions.common.registry.store import Device, DeviceStatus, Registry, event_time_key
from localcloud.aws.lambda_context import LambdaContext

ACCOUNT = "123456789012"
CAMERA_ROLE = "camera-device"
OWNER = "owner-sub-1"


def camera_arn(device_id: str, role: str = CAMERA_ROLE, account: str = ACCOUNT) -> str:
    return f"arn:aws:sts::{account}:assumed-role/{role}/{device_id}"


def http_event(
    user_arn: str | None,
    *,
    path: str = "/config",
    query: dict[str, str] | None = None,
    body: str | None = None,
) -> dict[str, Any]:
    """HTTP API payload 2.0 for an IAM-authorized route (authorizer omitted when user_arn is None)."""
    context: dict[str, Any] = {
        "accountId": ACCOUNT,
        "apiId": "api1",
        "domainName": "api1.execute-api.us-east-1.amazonaws.com",
        "domainPrefix": "api1",
        "http": {
            "method": "GET",
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": "203.0.113.9",
            "userAgent": "cam",
        },
        "requestId": str(uuid.uuid4()),
        "routeKey": f"GET {path}",
        "stage": "$default",
        "time": "01/Jan/2025:00:00:00 +0000",
        "timeEpoch": 1735689600000,
    }
    if user_arn is not None:
        session = user_arn.rsplit("/", 1)[-1]
        context["authorizer"] = {
            "iam": {
                "accessKey": "ASIAEXAMPLE",
                "accountId": ACCOUNT,
                "callerId": f"AROAEXAMPLE:{session}",
                "principalOrgId": None,
                "userArn": user_arn,
                "userId": f"AROAEXAMPLE:{session}",
            }
        }
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"GET {path}",
        "rawPath": path,
        "rawQueryString": "&".join(f"{k}={v}" for k, v in (query or {}).items()),
        "headers": {"host": "api1.execute-api.us-east-1.amazonaws.com"},
        "requestContext": context,
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = query
    if body is not None:
        event["body"] = body
    return event


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class Fleet:
    """Seeds cameras the way the lifecycle function leaves them: a channel and a registry item."""

    env: dict[str, str]
    kvs: Any = field(default_factory=lambda: boto3.client("kinesisvideo", region_name="us-east-1"))

    @property
    def registry(self) -> Registry:
        return Registry(self.env["REGISTRY_TABLE_NAME"], boto3.client("dynamodb", region_name="us-east-1"))

    def create_channel(self, device_id: str, ttl: int = 60) -> str:
        arn: str = self.kvs.create_signaling_channel(
            ChannelName=f"{self.env['CHANNEL_NAME_PREFIX']}{device_id}",
            SingleMasterConfiguration={"MessageTtlSeconds": ttl},
        )["ChannelARN"]
        return arn

    def register(self, device_id: str, *, ttl: int = 45, with_channel: bool = True) -> Device:
        arn = self.create_channel(device_id, ttl) if with_channel else None
        device = Device(
            device_id=device_id,
            owner_id=OWNER,
            channel_name=f"{self.env['CHANNEL_NAME_PREFIX']}{device_id}",
            channel_arn=arn,
            friendly_name=f"Camera {device_id}",
            message_ttl_seconds=ttl,
            last_event_time=event_time_key(datetime.now(UTC)),
            last_event_id=str(uuid.uuid4()),
        )
        assert self.registry.put_if_newer(device)
        return device

    def deregister(self, device: Device) -> None:
        tombstone = Device(
            device_id=device.device_id,
            status=DeviceStatus.DEREGISTERED,
            last_event_time=event_time_key(datetime.now(UTC)),
            last_event_id=str(uuid.uuid4()),
        )
        assert self.registry.put_if_newer(tombstone)

    def request(self, user_arn: str | None, context: LambdaContext | None = None, **kwargs: Any) -> Reply:
        from functions.device_config.handler import handler

        result = handler(http_event(user_arn, **kwargs), context or LambdaContext("device-config"))
        return Reply(result["statusCode"], result.get("headers", {}), json.loads(result["body"]))

    def config(self, device_id: str, **kwargs: Any) -> Reply:
        return self.request(camera_arn(device_id), **kwargs)


def throttle_next(client: object, operation: str, code: str) -> None:
    """Answer the client's next `operation` with a throttling error, as DynamoDB would."""
    events = client.meta.events  # type: ignore[attr-defined]
    event_name = f"before-call.dynamodb.{operation}"

    def once(**_: object) -> tuple[object, dict[str, object]]:
        events.unregister(event_name, once)
        error = {
            "Error": {"Code": code, "Message": "Rate exceeded"},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }
        return type("HttpResponse", (), {"status_code": 400})(), error

    events.register(event_name, once)


@pytest.fixture
def fleet(cloud_env: dict[str, str]) -> Iterator[Fleet]:
    """A cold container for each test, and the emulation's knobs back to their defaults after."""
    from functions.device_config.dependencies import dependencies
    from localcloud import kvs

    dependencies.cache_clear()
    kvs.clear_calls()
    yield Fleet(cloud_env)
    dependencies.cache_clear()
    kvs.reset_settings()
    kvs.reset_faults()
