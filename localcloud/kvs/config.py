"""Process-wide knobs of the emulation (not AWS state, so moto's reset leaves them alone)."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class Settings:
    """Timing and endpoint settings; change them through the setters below."""

    creation_delay_s: float = 0.0
    update_delay_s: float = 0.0
    deletion_delay_s: float = 0.0
    # Under mock_aws no socket timeout can end a waiting offer, so the wait is capped here.
    offer_wait_cap_s: float = 5.0
    # None keeps the real host forms; a URL makes endpoints point at a local server.
    https_endpoint_base: str | None = None
    wss_endpoint_base: str | None = None
    # AWS returns at most 50 tags, so one page; smaller values exercise NextToken handling.
    tags_page_size: int = 50


settings = Settings()
_lock = threading.Lock()


def _non_negative(name: str, value: float) -> float:
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def set_creation_delay(seconds: float) -> None:
    """How long a new channel stays CREATING before it turns ACTIVE (default 0: immediately)."""
    with _lock:
        settings.creation_delay_s = _non_negative("creation delay", seconds)


def set_transition_delays(
    *, creating: float | None = None, updating: float | None = None, deleting: float | None = None
) -> None:
    """Durations of the CREATING, UPDATING and DELETING states (each default 0)."""
    with _lock:
        if creating is not None:
            settings.creation_delay_s = _non_negative("creating", creating)
        if updating is not None:
            settings.update_delay_s = _non_negative("updating", updating)
        if deleting is not None:
            settings.deletion_delay_s = _non_negative("deleting", deleting)


def set_offer_wait_cap(seconds: float) -> None:
    """Longest time an offer waits for a master (it waits min(message TTL, cap))."""
    with _lock:
        settings.offer_wait_cap_s = _non_negative("offer wait cap", seconds)


def set_tags_page_size(size: int) -> None:
    """Page size of ListTagsForResource (default 50, a single page as on AWS)."""
    if not 1 <= size <= 50:
        raise ValueError(f"tags page size must be 1..50, got {size}")
    with _lock:
        settings.tags_page_size = size


def set_endpoint_base(https: str | None = None, wss: str | None = None) -> None:
    """Make GetSignalingChannelEndpoint return local URLs instead of the real host forms.

    HTTPS answers ``https`` as is (for example the moto server, ``http://127.0.0.1:5000``);
    WSS answers ``{wss}/m-xxxxxxxx`` for MASTER and ``{wss}/v-xxxxxxxx`` for VIEWER. Calling it with
    no arguments restores the real ``*.kinesisvideo.{region}.amazonaws.com`` forms.
    """
    with _lock:
        settings.https_endpoint_base = https.rstrip("/") if https else None
        settings.wss_endpoint_base = wss.rstrip("/") if wss else None


def reset_settings() -> None:
    """Back to the defaults above."""
    with _lock:
        fresh = Settings()
        for name in fresh.__dataclass_fields__:
            setattr(settings, name, getattr(fresh, name))
