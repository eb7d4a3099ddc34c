"""Seeding a fleet for rotation tests: channels through the KVS emulation, devices in the registry."""

from __future__ import annotations

import bisect
from collections import Counter
from typing import Any

import boto3
from moto.core import DEFAULT_ACCOUNT_ID

from functions.common.cells.config import Cell
from functions.common.registry import channel_tags
from functions.common.registry.store import Device, DeviceStatus, Registry
from localcloud import kvs

PREFIX = "alexa-cam-"
ENVIRONMENT = "dev"
EVENT_TIME = "2025-01-01T00:00:00.000000Z"
# The one cell without CELLS: the control account and region.
DEFAULT_CELL = Cell(id="default", account=DEFAULT_ACCOUNT_ID, region="us-east-1", capacity=10_000)


def owner_of(device_id: str) -> str:
    return f"owner-{device_id}"


def static_tags(device_id: str) -> dict[str, str]:
    return channel_tags.managed_tags(device_id, owner_of(device_id), ENVIRONMENT)


class Fleet:
    """Channels and registry entries created straight against the emulated account (or a cell's,
    through `kvs`, a client with the cell's credentials; its devices then record `cell_id`)."""

    def __init__(self, registry_table: str, *, kvs: Any | None = None, cell_id: str | None = None) -> None:
        self.kvs = kvs if kvs is not None else boto3.client("kinesisvideo")
        self.registry = Registry(registry_table)
        self.cell_id = cell_id
        self.arns: dict[str, str] = {}

    def channel(self, device_id: str, tags: dict[str, str] | None = None) -> str:
        name = f"{PREFIX}{device_id}"
        kwargs: dict[str, Any] = {"ChannelName": name}
        if tags:
            kwargs["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        arn: str = self.kvs.create_signaling_channel(**kwargs)["ChannelARN"]
        self.arns[name] = arn
        return arn

    def device(
        self, device_id: str, *, status: DeviceStatus = DeviceStatus.ACTIVE, channel_arn: str | None = None
    ) -> None:
        """A registry entry; `channel_arn` is the channel lifecycle recorded for it (None: none yet)."""
        active = status is DeviceStatus.ACTIVE
        written = self.registry.put_if_newer(
            Device(
                device_id=device_id,
                owner_id=owner_of(device_id) if active else None,
                status=status,
                channel_name=f"{PREFIX}{device_id}",
                channel_arn=channel_arn,
                cell_id=self.cell_id,
                last_event_time=EVENT_TIME,
                last_event_id=f"evt-{device_id}",
            )
        )
        assert written

    def camera(self, device_id: str, tags: dict[str, str] | None = None) -> str:
        """A registered device and its channel, tagged with its device id as lifecycle creates it."""
        self.device(device_id)
        return self.channel(device_id, {channel_tags.DEVICE_TAG: device_id} | (tags or {}))

    def tags(self, name: str) -> dict[str, str]:
        tags: dict[str, str] = self.kvs.list_tags_for_resource(ResourceARN=self.arns[name])["Tags"]
        return tags


def rotation_calls() -> list[kvs.CallRecord]:
    return [c for c in kvs.calls() if c.operation in ROTATION_OPERATIONS]


ROTATION_OPERATIONS = ("ListSignalingChannels", "ListTagsForResource", "TagResource", "UntagResource")


def calls_per_channel(records: list[kvs.CallRecord]) -> Counter[tuple[str | None, str]]:
    return Counter((c.channel_arn, c.operation) for c in records if c.channel_arn is not None)


def peak_per_window(timestamps: list[float], window: float = 1.0) -> int:
    """The most calls that fall in any window of `window` seconds [t, t + window)."""
    ordered = sorted(timestamps)
    return max(
        (bisect.bisect_left(ordered, t + window) - i for i, t in enumerate(ordered)),
        default=0,
    )
