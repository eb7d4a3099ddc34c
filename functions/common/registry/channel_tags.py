"""The tags this project manages on a signaling channel.

Managed keys live under the `camera:` namespace; every other key is foreign (set by people or
other tools) and is never changed or removed by this project. The owner is tagged by a one-way
reference, not the raw `sub`, so cost reports and policies can key on it without carrying the
identity provider's user id around.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

NAMESPACE = "camera:"
DEVICE_TAG = f"{NAMESPACE}device-id"
OWNER_TAG = f"{NAMESPACE}owner-ref"
ENVIRONMENT_TAG = f"{NAMESPACE}environment"
MANAGED_BY_TAG = f"{NAMESPACE}managed-by"
GENERATION_TAG = f"{NAMESPACE}generation"
ROTATED_AT_TAG = f"{NAMESPACE}rotated-at"
MANAGED_BY = "alexa-camera-signaling"
MAX_TAGS_PER_CHANNEL = 50
TAG_KEY_MAX, TAG_VALUE_MAX = 128, 256


def is_managed(key: str) -> bool:
    return key.startswith(NAMESPACE)


def belongs_to(arn: str, tags: Mapping[str, str], device_id: str, recorded_arn: str | None) -> bool:
    """Whether the channel `arn`, carrying `tags`, is the device's.

    The one ownership rule. The registry's record decides: the channel whose ARN it recorded for
    the device is the device's whatever its tags say (so stripped or altered managed tags are
    restored), and no other channel is (a foreign channel, or the name re-created after the
    recorded channel was deleted). Only a device with no channel on record yet goes by the device
    tag, which must name it. Lifecycle refuses to adopt or delete a channel that fails the rule,
    and rotation never writes one (it reports a conflict).
    """
    if recorded_arn is not None:
        return arn == recorded_arn
    return tags.get(DEVICE_TAG) == device_id


def owner_ref(owner_id: str) -> str:
    return hashlib.sha256(owner_id.encode()).hexdigest()[:16]


def managed_tags(device_id: str, owner_id: str, environment: str) -> dict[str, str]:
    """The static managed tags of a device's channel (rotation adds the rotating ones)."""
    return {
        DEVICE_TAG: device_id,
        OWNER_TAG: owner_ref(owner_id),
        ENVIRONMENT_TAG: environment,
        MANAGED_BY_TAG: MANAGED_BY,
    }


def rotating_tags(generation: str, rotated_at: str) -> dict[str, str]:
    return {GENERATION_TAG: generation, ROTATED_AT_TAG: rotated_at}


# Managed tags every channel carries once rotated; tags from the registry get what is left of 50.
MANAGED_TAG_COUNT = len(managed_tags("-", "-", "-")) + len(rotating_tags("-", "-"))


def split(tags: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(managed, foreign) parts of a channel's tags."""
    managed = {k: v for k, v in tags.items() if is_managed(k)}
    return managed, {k: v for k, v in tags.items() if not is_managed(k)}
