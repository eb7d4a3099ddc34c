"""What a rotation run did: running totals (kept across invocations) and the published summary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from enum import StrEnum

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from functions.common.cells.config import Cell
from functions.common.observability import NAMESPACE, logger, metrics

# Counts are exact; name lists are samples so the state item and log record stay small.
SAMPLE_LIMIT = 100


class RotationOutcome(StrEnum):
    UPDATED = "updated"  # static managed tags were missing, changed or stale (and rotated)
    ROTATED = "rotated"  # only the rotating tags were written
    UNCHANGED = "unchanged"  # already carries this run's tags: one read, no write
    ORPHAN = "orphan"  # prefixed channel with no live registry entry: reported, not touched
    # Not the channel the registry recorded for its device (or, none recorded, its device tag
    # names another device): reported, not touched.
    CONFLICT = "conflict"
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

    def record(self, outcome: RotationOutcome, channel_name: str, sample_limit: int = SAMPLE_LIMIT) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
        if outcome in _NAMED:
            sample = self.names.setdefault(outcome, [])
            if len(sample) < sample_limit:
                sample.append(channel_name)

    def add_calls(self, calls: Counter[str], throttles: int) -> None:
        self.calls = dict(Counter(self.calls) + calls)
        self.throttles += throttles

    def count(self, outcome: RotationOutcome) -> int:
        return self.outcomes.get(outcome, 0)

    @classmethod
    def merged(cls, parts: Sequence[Totals]) -> Totals:
        """The sum of several cells' totals (name samples joined, up to the sample limit)."""
        outcomes: Counter[RotationOutcome] = Counter()
        calls: Counter[str] = Counter()
        names: dict[RotationOutcome, list[str]] = {}
        for part in parts:
            outcomes.update(part.outcomes)
            calls.update(part.calls)
            for outcome, sample in part.names.items():
                names.setdefault(outcome, []).extend(sample)
        return cls(
            outcomes=dict(outcomes),
            names={outcome: sample[:SAMPLE_LIMIT] for outcome, sample in names.items()},
            calls=dict(calls),
            throttles=sum(part.throttles for part in parts),
            listing_restarts=sum(part.listing_restarts for part in parts),
        )


class CellStatus(StrEnum):
    PARTIAL = "partial"  # not walked to the end yet
    COMPLETE = "complete"  # every channel of the cell visited, its ghosts known
    FAILED = "failed"  # the cell could not be walked (listing or its role refused): next run retries


class CellRun(_Camel):
    """One cell's share of a run so far, kept across invocations."""

    status: CellStatus = CellStatus.PARTIAL
    totals: Totals = Field(default_factory=Totals)
    ghost_count: int = 0
    ghost_names: list[str] = Field(default_factory=list)
    # The AWS error code that failed the cell.
    error: str | None = None


class _Counts(_Camel):
    """What a walk found, by outcome: the same figures for a run and for each of its cells."""

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


class CellSummary(_Counts):
    """What a run did in one cell."""

    cell_id: str
    account: str
    region: str
    status: CellStatus
    error: str | None = None

    @classmethod
    def of(cls, cell: Cell, run: CellRun) -> CellSummary:
        return cls(
            cell_id=cell.id,
            account=cell.account,
            region=cell.region,
            status=run.status,
            ghosts=run.ghost_count,
            error=run.error,
            **_figures(run.totals),
        )


def _figures(totals: Totals) -> dict[str, int]:
    return {
        "channels_seen": sum(totals.outcomes.values()),
        "updated": totals.count(RotationOutcome.UPDATED),
        "rotated": totals.count(RotationOutcome.ROTATED),
        "unchanged": totals.count(RotationOutcome.UNCHANGED),
        "orphans": totals.count(RotationOutcome.ORPHAN),
        "conflicts": totals.count(RotationOutcome.CONFLICT),
        "no_room": totals.count(RotationOutcome.NO_ROOM),
        "vanished": totals.count(RotationOutcome.VANISHED),
        "failed": totals.count(RotationOutcome.FAILED),
        "throttles": totals.throttles,
    }


class RunStatus(StrEnum):
    COMPLETE = "complete"  # every channel visited, ghosts known
    PARTIAL = "partial"  # stopped for time; the next invocation continues
    SKIPPED = "skipped"  # another invocation owns the run, or the run asked for is over: no work
    LEASE_LOST = "leaseLost"  # this invocation's lease was taken over; it stopped


class RunSummary(_Counts):
    run_id: str
    generation: str
    status: RunStatus
    complete: bool
    listing_restarts: int = 0
    calls: dict[str, int] = Field(default_factory=dict)
    invocations: int = 0
    duration_seconds: float = 0.0
    orphan_names: list[str] = Field(default_factory=list)
    conflict_names: list[str] = Field(default_factory=list)
    ghost_names: list[str] = Field(default_factory=list)
    no_room_names: list[str] = Field(default_factory=list)
    failed_names: list[str] = Field(default_factory=list)
    cells_failed: int = 0
    # Per cell, in CELLS order (one cell `default` without CELLS).
    cells: list[CellSummary] = Field(default_factory=list)

    @classmethod
    def build(
        cls,
        *,
        run_id: str,
        generation: str,
        status: RunStatus,
        cells: Sequence[tuple[Cell, CellRun]],
        invocations: int,
        duration_seconds: float,
    ) -> RunSummary:
        """The run's figures: the sums over its cells, and each cell's."""
        totals = Totals.merged([run.totals for _, run in cells])
        ghost_names = [name for _, run in cells for name in run.ghost_names]
        return cls(
            run_id=run_id,
            generation=generation,
            status=status,
            complete=status is RunStatus.COMPLETE,
            **_figures(totals),
            ghosts=sum(run.ghost_count for _, run in cells),
            listing_restarts=totals.listing_restarts,
            calls=dict(totals.calls),
            invocations=invocations,
            duration_seconds=round(duration_seconds, 3),
            orphan_names=totals.names.get(RotationOutcome.ORPHAN, []),
            conflict_names=totals.names.get(RotationOutcome.CONFLICT, []),
            ghost_names=ghost_names[:SAMPLE_LIMIT],
            no_room_names=totals.names.get(RotationOutcome.NO_ROOM, []),
            failed_names=totals.names.get(RotationOutcome.FAILED, []),
            cells_failed=sum(run.status is CellStatus.FAILED for _, run in cells),
            cells=[CellSummary.of(cell, run) for cell, run in cells],
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
# Per cell (dimension Cell): enough to see which account lags, throttles or fails.
_CELL_METRICS = {
    "ChannelsSeen": "channels_seen",
    "ChannelsUpdated": "updated",
    "ChannelsRotated": "rotated",
    "ConflictChannels": "conflicts",
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
    metrics.add_metric(name="CellsFailed", unit=MetricUnit.Count, value=summary.cells_failed)
    for cell in summary.cells:
        _add_cell_metrics(cell)


def _add_cell_metrics(cell: CellSummary) -> None:
    """One EMF record per cell (its own metric set: a dimension the function's other metrics do not
    carry), written at once."""
    record = AmazonCloudWatchEMFProvider(namespace=NAMESPACE, service=metrics.service)
    record.add_dimension(name="Cell", value=cell.cell_id)
    for name, field in _CELL_METRICS.items():
        record.add_metric(name=name, unit=MetricUnit.Count, value=getattr(cell, field))
    record.flush_metrics()
