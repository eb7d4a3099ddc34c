"""Signaling channel state, read from the KVS control plane."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_kinesisvideo import KinesisVideoClient


def is_active(kvs: KinesisVideoClient, channel_arn: str) -> bool:
    """True when the channel is ACTIVE (not CREATING, UPDATING or DELETING)."""
    info = kvs.describe_signaling_channel(ChannelARN=channel_arn)["ChannelInfo"]
    return bool(info.get("ChannelStatus") == "ACTIVE")
