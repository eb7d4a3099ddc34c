"""What a rotation run did: running totals (kept across invocations) and the published summary."""

from __future__ import annotations

from collections import Counter
from enum import StrEnum

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from functions.common.observability import logger, metrics

# Counts are exact; name lists are samples so the state item and log record stay small.
SAMPLE_LIMIT = 100


class RotationOutcome(StrEnum):
    UPDATED = "updated"  # static managed tags were missing, changed or stale (and rotated)
    ROTATED = "rotated"  # only the rotating tags were written
    UNCHANGED = "unchanged"  # already carries this run's tags: one read, no write
    ORPHAN = "orphan"  # prefixed channel with no live registry entry: reported, not touched
    CONFLICT = "conflict"  # its device tag is missing or names another device: reported, not touched
    NO_ROOM = "noRoom"  # foreign tags leave no room under 50: reported, nothing dropped
    VANISHED = "vanished"  # deleted (or being deleted) between listing and tagging
    FAILED = "failed"  # an error other than throttling, or throttled past the retry limit


# Outcomes whose channel names are kept (as samples) for the report.
_NAMED = (RotationOutcome.ORPHAN, RotationOutcome.CONFLICT, RotationOutcome.NO_ROOM, RotationOutcome.FAILED)


class _Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class Totals(_Camel):
    outcomes: dict[RotationOutcome, int] = Field(default_factory=dict)
    names: dict[RotationOutcome, list[str]] = Field(default_factory=dict)
    calls: dict[str, int] = Field(default_factory=dict)
    throttles: int = 0
    listing_restarts: int = 0

    def record(self, outcome: RotationOutcome, channel_name: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
        if outcome in _NAMED:
            sample = self.names.setdefault(outcome, [])
            if len(sample) < SAMPLE_LIMIT:
                sample.append(channel_name)

    def add_calls(self, calls: Counter[str], throttles: int) -> None:
        self.calls = dict(Counter(self.calls) + calls)
        self.throttles += throttles

    def count(self, outcome: RotationOutcome) -> int:
        return self.outcomes.get(outcome, 0)


class RunStatus(StrEnum):
    COMPLETE = "complete"  # every channel visited, ghosts known
    PARTIAL = "partial"  # stopped for time; the next invocation continues
    SKIPPED = "skipped"  # another invocation owns the run, or the run asked for is over: no work
    LEASE_LOST = "leaseLost"  # this invocation's lease was taken over; it stopped


class RunSummary(_Camel):
    run_id: str
    generation: str
    status: RunStatus
    complete: bool
    channels_seen: int = 0
    updated: int = 0
    rotated: int = 0
    unchanged: int = 0
    orphans: int = 0
    conflicts: int = 0
    ghosts: int = 0
    no_room: int = 0
    vanished: int = 0
    failed: int = 0
    throttles: int = 0
    listing_restarts: int = 0
    calls: dict[str, int] = Field(default_factory=dict)
    invocations: int = 0
    duration_seconds: float = 0.0
    orphan_names: list[str] = Field(default_factory=list)
    conflict_names: list[str] = Field(default_factory=list)
    ghost_names: list[str] = Field(default_factory=list)
    no_room_names: list[str] = Field(default_factory=list)
    failed_names: list[str] = Field(default_factory=list)

    @classmethod
    def build(
        cls,
        *,
        run_id: str,
        generation: str,
        status: RunStatus,
        totals: Totals,
        invocations: int,
        duration_seconds: float,
        ghosts: list[str] | None = None,
    ) -> RunSummary:
        ghost_names = ghosts or []
        return cls(
            run_id=run_id,
            generation=generation,
            status=status,
            complete=status is RunStatus.COMPLETE,
            channels_seen=sum(totals.outcomes.values()),
            updated=totals.count(RotationOutcome.UPDATED),
            rotated=totals.count(RotationOutcome.ROTATED),
            unchanged=totals.count(RotationOutcome.UNCHANGED),
            orphans=totals.count(RotationOutcome.ORPHAN),
            conflicts=totals.count(RotationOutcome.CONFLICT),
            ghosts=len(ghost_names),
            no_room=totals.count(RotationOutcome.NO_ROOM),
            vanished=totals.count(RotationOutcome.VANISHED),
            failed=totals.count(RotationOutcome.FAILED),
            throttles=totals.throttles,
            listing_restarts=totals.listing_restarts,
            calls=dict(totals.calls),
            invocations=invocations,
            duration_seconds=round(duration_seconds, 3),
            orphan_names=totals.names.get(RotationOutcome.ORPHAN, []),
            conflict_names=totals.names.get(RotationOutcome.CONFLICT, []),
            ghost_names=ghost_names[:SAMPLE_LIMIT],
            no_room_names=totals.names.get(RotationOutcome.NO_ROOM, []),
            failed_names=totals.names.get(RotationOutcome.FAILED, []),
        )

    def to_output(self) -> dict[str, object]:
        return self.model_dump(mode="json", by_alias=True)


_METRICS = {
    "ChannelsSeen": "channels_seen",
    "ChannelsUpdated": "updated",
    "ChannelsRotated": "rotated",
    "ChannelsUnchanged": "unchanged",
    "OrphanChannels": "orphans",
    "ConflictChannels": "conflicts",
    "GhostDevices": "ghosts",
    "ChannelsWithoutRoom": "no_room",
    "ChannelsFailed": "failed",
    "Throttles": "throttles",
}


def log(summary: RunSummary) -> None:
    """One structured record per invocation: the run's figures so far."""
    logger.info("tag rotation run", extra={"rotation": summary.to_output()})


def add_metrics(summary: RunSummary) -> None:
    """The run's figures as metrics (the handler's log_metrics decorator flushes them).

    Figures are added once per run, when it completes, so they never double count; an invocation
    that stops early or finds the run owned elsewhere is counted as such.
    """
    if summary.status is RunStatus.PARTIAL:
        metrics.add_metric(name="RunContinuations", unit=MetricUnit.Count, value=1)
        return
    if not summary.complete:
        metrics.add_metric(name="InvocationsSkipped", unit=MetricUnit.Count, value=1)
        return
    for name, field in _METRICS.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=getattr(summary, field))
    for operation, count in summary.calls.items():
        metrics.add_metric(name=f"{operation}Calls", unit=MetricUnit.Count, value=count)
    metrics.add_metric(name="RunDuration", unit=MetricUnit.Seconds, value=summary.duration_seconds)
