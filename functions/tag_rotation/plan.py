"""What one channel's tags should become: pure logic, no AWS.

Only managed keys (the `camera:` namespace) are ever written or removed; foreign keys are read to
count toward the 50-tag limit and nothing else. Only a device's own channel is written at all
(`channel_tags.belongs_to`).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from functions.common.registry import channel_tags
from functions.common.registry.store import Device

ROTATING_KEYS = frozenset(channel_tags.rotating_tags("", ""))


class TagPlan(BaseModel):
    model_config = ConfigDict(frozen=True)

    to_tag: dict[str, str]
    to_untag: list[str]
    # False when foreign tags leave no room for the desired managed set: nothing is written.
    fits: bool

    @property
    def unchanged(self) -> bool:
        return not self.to_tag and not self.to_untag

    @property
    def rotating_only(self) -> bool:
        """Only the rotating tags change: the static managed set was already right."""
        return not self.to_untag and set(self.to_tag) <= ROTATING_KEYS


def desired_tags(device: Device, environment: str, generation: str, rotated_at: str) -> dict[str, str]:
    """The full managed set of a registered device's channel for this rotation run."""
    if device.owner_id is None:
        raise ValueError(f"device {device.device_id} has no owner (a tombstone has no desired tags)")
    return channel_tags.managed_tags(device.device_id, device.owner_id, environment) | (
        channel_tags.rotating_tags(generation, rotated_at)
    )


def plan(current: dict[str, str], desired: dict[str, str]) -> TagPlan:
    """At most one TagResource (missing or changed keys) and one UntagResource (stale keys)."""
    managed, foreign = channel_tags.split(current)
    to_tag = {k: v for k, v in desired.items() if managed.get(k) != v}
    to_untag = sorted(k for k in managed if k not in desired)
    fits = len(foreign) + len(desired) <= channel_tags.MAX_TAGS_PER_CHANNEL
    return TagPlan(to_tag=to_tag, to_untag=to_untag, fits=fits)
