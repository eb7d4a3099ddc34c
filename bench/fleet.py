"""Seed cameras into the emulated cloud the way the lifecycle function leaves them: a signaling
channel carrying the static managed tags, and an ACTIVE registry item that points at it."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

from functions.common import aws_clients
from functions.common.kvs import clients as kvs_clients
from functions.common.registry.channel_tags import managed_tags
from functions.common.registry.store import Device, event_time_key

OWNER = "bench-owner"
FOREIGN_TAGS = {"cost-center": "bench"}  # rotation must leave it alone
_BATCH = 25  # DynamoDB BatchWriteItem limit
# Single cameras seeded beside a fleet (cam-00000...) get numbers from here, unique per process.
_single_numbers = itertools.count(90_000)


class Fleet:
    def __init__(self, env: dict[str, str]) -> None:
        self.prefix = env["CHANNEL_NAME_PREFIX"]
        self.table = env["REGISTRY_TABLE_NAME"]
        self.environment = env.get("ENVIRONMENT_NAME", "dev")
        # Seeding retries throttles patiently; it is not what is being measured.
        self._kvs = kvs_clients.control_plane(kvs_clients.ClientLimits(max_attempts=10))
        self._ddb = aws_clients.client("dynamodb", max_attempts=10)

    def add(
        self, count: int, *, start: int = 0, owner_id: str = OWNER, record_endpoint: bool = False
    ) -> list[Device]:
        """`count` cameras; with `record_endpoint`, their items hold the channel's VIEWER endpoint as
        the lifecycle function records it (without: items written before it did)."""
        devices = [
            self._create(f"cam-{i:05d}", owner_id, record_endpoint) for i in range(start, start + count)
        ]
        for first in range(0, len(devices), _BATCH):
            requests: list[dict[str, Any]] = [
                {"PutRequest": {"Item": d.to_item()}} for d in devices[first : first + _BATCH]
            ]
            pending: dict[str, Any] = {self.table: requests}
            while pending:
                pending = self._ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        return devices

    def one(self, owner_id: str = OWNER, *, record_endpoint: bool = True) -> Device:
        (device,) = self.add(
            1, start=next(_single_numbers), owner_id=owner_id, record_endpoint=record_endpoint
        )
        return device

    def _viewer_endpoint(self, arn: str) -> str:
        endpoints = self._kvs.get_signaling_channel_endpoint(
            ChannelARN=arn,
            SingleMasterChannelEndpointConfiguration={"Protocols": ["HTTPS"], "Role": "VIEWER"},
        )["ResourceEndpointList"]
        return str(endpoints[0]["ResourceEndpoint"])

    def _create(self, device_id: str, owner_id: str, record_endpoint: bool) -> Device:
        name = f"{self.prefix}{device_id}"
        tags = {**managed_tags(device_id, owner_id, self.environment), **FOREIGN_TAGS}
        arn: str = self._kvs.create_signaling_channel(
            ChannelName=name,
            SingleMasterConfiguration={"MessageTtlSeconds": 60},
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
        )["ChannelARN"]
        return Device(
            device_id=device_id,
            owner_id=owner_id,
            channel_name=name,
            channel_arn=arn,
            viewer_endpoint=self._viewer_endpoint(arn) if record_endpoint else None,
            friendly_name=f"Camera {device_id}",
            manufacturer_name="Bench",
            model="B1",
            message_ttl_seconds=60,
            last_event_time=event_time_key(datetime.now(UTC)),
            last_event_id=str(uuid.uuid4()),
        )
