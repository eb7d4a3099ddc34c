"""The tags this project manages on a signaling channel.

Managed keys live under the `camera:` namespace; every other key is foreign (set by people or
other tools) and is never changed or removed by this project. The owner is tagged by a one-way
reference, not the raw `sub`, so cost reports and policies can key on it without carrying the
identity provider's user id around.
"""

from __future__ import annotations

import hashlib

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


def belongs_to(tags: dict[str, str], device_id: str) -> bool:
    """Whether a channel with these tags is the device's: its device tag names that device.

    The one ownership rule: lifecycle refuses to adopt or delete a channel that fails it, and
    rotation does not write one (its tag write would make lifecycle adopt the channel on the
    device's next event).
    """
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
