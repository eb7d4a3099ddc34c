"""The device lifecycle function's configuration."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from functions.common.config import BaseSettings

DEFAULT_EVENT_SOURCE = "camera.registry"
AccountId = Annotated[str, Field(pattern=r"^[0-9]{12}$")]


def _comma_separated(value: Any) -> Any:
    return [part.strip() for part in value.split(",")] if isinstance(value, str) else value


class LifecycleSettings(BaseSettings):
    device_event_source: Annotated[str, Field(alias="DEVICE_EVENT_SOURCE", min_length=1, max_length=256)] = (
        DEFAULT_EVENT_SOURCE
    )
    # Where applied changes are announced to the Alexa events function; unset: no proactive reports.
    alexa_events_queue_url: Annotated[
        str | None, Field(alias="ALEXA_EVENTS_QUEUE_URL", pattern=r"^https?://\S+$")
    ] = None
    # The accounts whose events are believed (comma-separated); unset: the function's own account.
    device_event_accounts: Annotated[
        tuple[AccountId, ...] | None,
        Field(alias="DEVICE_EVENT_ACCOUNTS", min_length=1),
        BeforeValidator(_comma_separated),
    ] = None

    def publisher_accounts(self, own_account: str) -> frozenset[str]:
        return frozenset(self.device_event_accounts or (own_account,))
