"""Process-wide knobs of the emulation (not AWS state, so moto's reset leaves them alone).

The state durations are transitions of moto's state manager, under the model names below;
the other knobs have no moto counterpart.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

# moto state-manager models of the three channel transitions (models.py uses them).
TRANSITION_MODELS = {
    "creating": "kinesisvideo::signaling-channel-creation",
    "updating": "kinesisvideo::signaling-channel-update",
    "deleting": "kinesisvideo::signaling-channel-deletion",
}


@dataclass
class Settings:
    """Offer wait, endpoint and paging settings; change them through the setters below."""

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


def _set_duration(state: str, seconds: float) -> None:
    from moto.moto_api import state_manager  # noqa: PLC0415 (importing the package imports no moto)

    model = TRANSITION_MODELS[state]
    if _non_negative(state, seconds) == 0:
        state_manager.unset_transition(model)  # the registered default: immediate
    else:
        state_manager.set_transition(model, {"progression": "time", "seconds": seconds})


def set_creation_delay(seconds: float) -> None:
    """How long a new channel stays CREATING before it turns ACTIVE (default 0: immediately)."""
    _set_duration("creating", seconds)


def set_transition_delays(
    *, creating: float | None = None, updating: float | None = None, deleting: float | None = None
) -> None:
    """Durations of the CREATING, UPDATING and DELETING states (each default 0).

    A state ends at the first look after its duration has passed (moto's "time" progression).
    """
    for state, seconds in (("creating", creating), ("updating", updating), ("deleting", deleting)):
        if seconds is not None:
            _set_duration(state, seconds)


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

    HTTPS answers ``https`` as is (for example the moto server, ``https://127.0.0.1:5000``);
    WSS answers ``{wss}/m-xxxxxxxx`` for MASTER and ``{wss}/v-xxxxxxxx`` for VIEWER. Calling it with
    no arguments restores the real ``*.kinesisvideo.{region}.amazonaws.com`` forms.
    """
    with _lock:
        settings.https_endpoint_base = https.rstrip("/") if https else None
        settings.wss_endpoint_base = wss.rstrip("/") if wss else None


def reset_settings() -> None:
    """Back to the defaults above, and immediate state transitions."""
    from moto.moto_api import state_manager  # noqa: PLC0415

    for model in TRANSITION_MODELS.values():
        state_manager.unset_transition(model)
    with _lock:
        fresh = Settings()
        for name in fresh.__dataclass_fields__:
            setattr(settings, name, getattr(fresh, name))
