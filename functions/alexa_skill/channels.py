"""Signaling channel state, read from the KVS control plane."""

from __future__ import annotations

from typing import Any


def is_active(kvs: Any, channel_arn: str) -> bool:
    """True when the channel is ACTIVE (not CREATING, UPDATING or DELETING)."""
    info = kvs.describe_signaling_channel(ChannelARN=channel_arn)["ChannelInfo"]
    return bool(info.get("ChannelStatus") == "ACTIVE")
