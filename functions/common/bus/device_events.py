"""What every device event on the bus shares, whichever function consumes it: the event time in
UTC, the order key that decides which of two events is newer, and the check of who sent it.

Lifecycle and presence events come from the same publishers on the same bus; one rule for both.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import AwareDatetime, BeforeValidator, Field, field_validator

from functions.common.alexa.outbound import EVENT_ID_MAX
from functions.common.log_values import cut
from functions.common.registry.store import event_time_key
from functions.common.settings import FunctionSettings

DEFAULT_EVENT_SOURCE = "camera.registry"
# How far ahead of our clock an event may be dated: covers clock drift between publisher and us,
# while a forged or badly skewed time cannot make every later real event look stale.
MAX_FUTURE_SKEW = timedelta(minutes=5)
AccountId = Annotated[str, Field(pattern=r"^[0-9]{12}$")]
# The envelope's text is bounded when parsed, so a record no later step could take (an id too long
# for the outbound messages) is refused before anything is written. EventBridge's own ids are
# 36-character UUIDs.
SOURCE_MAX = 256
_Bounded = Annotated[str, Field(min_length=1, max_length=64)]
_ARN_MAX = 2048


def _comma_separated(value: Any) -> Any:
    return [part.strip() for part in value.split(",")] if isinstance(value, str) else value


class DeviceEventSettings(FunctionSettings):
    """Which device events a consumer believes."""

    device_event_source: Annotated[
        str, Field(alias="DEVICE_EVENT_SOURCE", min_length=1, max_length=SOURCE_MAX)
    ] = DEFAULT_EVENT_SOURCE
    # The accounts whose events are believed (comma-separated); unset: the function's own account.
    device_event_accounts: Annotated[
        tuple[AccountId, ...] | None,
        Field(alias="DEVICE_EVENT_ACCOUNTS", min_length=1),
        BeforeValidator(_comma_separated),
    ] = None

    def publisher_accounts(self, own_account: str) -> frozenset[str]:
        return frozenset(self.device_event_accounts or (own_account,))


class UntrustedEvent(ValueError):
    """From another source or account, or dated too far in the future: never applied."""


class DeviceEventModel(EventBridgeModel):
    version: Annotated[str, Field(max_length=16)]
    id: Annotated[str, Field(min_length=1, max_length=EVENT_ID_MAX)]
    source: Annotated[str, Field(min_length=1, max_length=SOURCE_MAX)]
    account: AccountId
    time: AwareDatetime
    region: _Bounded
    resources: Annotated[list[Annotated[str, Field(max_length=_ARN_MAX)]], Field(max_length=16)]
    replay_name: _Bounded | None = Field(default=None, alias="replay-name")

    @field_validator("time")
    @classmethod
    def _in_utc(cls, time: datetime) -> datetime:
        # "0001-01-01T00:30+01:00" is a valid RFC 3339 time but before year 1 in UTC.
        try:
            return time.astimezone(UTC)
        except OverflowError:
            raise ValueError("the time is outside years 1 to 9999 in UTC") from None

    @property
    def order_key(self) -> tuple[str, str]:
        """(time, id): an event is applied only if this is greater than the last one's."""
        return event_time_key(self.time), self.id


def check_origin(event: DeviceEventModel, source: str, accounts: Collection[str], now: float) -> None:
    """Raise UntrustedEvent unless `event` comes from `source` in one of `accounts`, dated no
    later than now plus MAX_FUTURE_SKEW (checked before anything is written, so a future-dated
    event never becomes the "latest" one)."""
    if event.source != source:
        raise UntrustedEvent(f"source {cut(event.source)!r} is not the device event source {source!r}")
    if event.account not in accounts:
        raise UntrustedEvent(
            f"account {event.account} is not one of the device event publishers {sorted(accounts)}"
        )
    check_not_future(event.time, now)


def check_not_future(time: datetime, now: float) -> None:
    ahead = time.timestamp() - now
    if ahead > MAX_FUTURE_SKEW.total_seconds():
        raise UntrustedEvent(
            f"event time is {ahead:.0f} s in the future, beyond the allowed "
            f"{MAX_FUTURE_SKEW.total_seconds():.0f} s of clock skew"
        )
