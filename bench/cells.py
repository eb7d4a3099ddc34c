"""A fleet across cells: the registration burst and one tag rotation on the local cloud's three
cells in three accounts, with the emulation's quotas on (per account, as KVS counts them).

The point of cells for time is that each account has its own quotas: N devices spread over k
cells register in N / k / (50 TPS) and rotate in N / k / (50 TPS) when the cells run in parallel,
against N / 50 for one account. The figures are set against both floors.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from bench import burst, emulated, rotation
from bench.report import Section
from functions.common.queue_schema import BATCH_SIZE, LIFECYCLE_FUNCTION_TIMEOUT_SECONDS, MAX_CONCURRENCY

# CreateSignalingChannel, TagResource and ListTagsForResource: 50 TPS per account each.
ACCOUNT_TPS = 50
THROTTLE = "ClientLimitExceededException"


@dataclass
class CellFigures:
    id: str
    account: str
    capacity: int
    placed: int
    channels: int
    tagged: int  # channels the rotation tagged in this cell's account


@dataclass
class CellsOutcome:
    events: int
    quota_scale: float
    registration: burst.Outcome
    cells: list[CellFigures]
    rotation_s: float
    rotation_throttles: int
    rotation_summary: dict[str, Any]

    @property
    def tps(self) -> float:
        return ACCOUNT_TPS * self.quota_scale

    def parallel_floor(self, counts: list[int]) -> float:
        """Cells in parallel, each at its own account's quota: the fullest cell's time."""
        return max(counts, default=0) / self.tps

    @property
    def one_account_floor(self) -> float:
        return self.events / self.tps


def _rotate(scale: float) -> tuple[float, int, Counter[str], dict[str, Any]]:
    """One rotation run to completion at the scaled quota: seconds, throttles, channels tagged per
    account, and the final summary."""
    from localcloud import kvs

    kvs.clear_calls()
    kvs.enable_quotas(scale)
    # The rotation's own limiter at the scaled account quota (per operation).
    settings = {
        "ROTATION_MAX_TPS": str(max(1, round(ACCOUNT_TPS * scale))),
        "ROTATION_STOP_MARGIN_SECONDS": "5",
    }
    try:
        summaries, seconds, _ = rotation.rotate(settings)
    finally:
        kvs.disable_quotas()
    records = kvs.calls()
    tagged = Counter(r.account_id for r in records if r.operation == "TagResource" and r.outcome == "ok")
    throttles = sum(1 for r in records if r.outcome == THROTTLE)
    return seconds, throttles, tagged, summaries[-1]


def run(events: int, capacity: int, scale: float, visibility_timeout_s: int) -> CellsOutcome:
    from localcloud.cells import cell_status, local_cells

    cells = local_cells(capacity)
    with emulated.server(cells) as cloud:
        env = cloud.env

        def channels_of(name_prefix: str) -> int:
            return sum(s["channels"] for s in cell_status(cells, env["PLACEMENT_TABLE_NAME"], name_prefix))

        registration = burst.drain(
            cloud,
            events,
            quota_scale=scale,
            visibility_timeout_s=visibility_timeout_s,
            channels_of=channels_of,
        )
        status = cell_status(cells, env["PLACEMENT_TABLE_NAME"], env["CHANNEL_NAME_PREFIX"])
        seconds, throttles, tagged, summary = _rotate(scale)
    return CellsOutcome(
        events=events,
        quota_scale=scale,
        registration=registration,
        cells=[
            CellFigures(
                id=s["id"],
                account=s["account"],
                capacity=s["capacity"],
                placed=s["placed"],
                channels=s["channels"],
                tagged=tagged[s["account"]],
            )
            for s in status
        ],
        rotation_s=seconds,
        rotation_throttles=throttles,
        rotation_summary=summary,
    )


METHOD = (
    "The local cloud's three cells (a: the control account, b and c: two other accounts reached "
    "through their cell roles), {capacity} channels of capacity each, CELLS set for the functions. "
    "{n} DeviceRegistered events drained as the registration burst does ({workers} pollers in "
    "their own processes, batches of {batch}, the real handler with its {timeout} s timeout; "
    "visibility timeout {vis} s instead of 360 s, so a record out of its budget comes back within "
    "the run), then one tag rotation run to completion in process. KVS quotas on, per account, "
    "scaled to {scale:g}x ({tps:g} TPS per account per operation) as the burst scales them, so "
    "that the quotas rather than this shared machine set the pace (the throttles show they were "
    "reached); the rotation's ROTATION_MAX_TPS is that "
    "scaled quota. Floors: the fullest cell's channels / the scaled quota (cells in parallel, each "
    "in its own account), beside N / the scaled quota (one account)."
)


def measure(events: int, capacity: int, scale: float, visibility_timeout_s: int) -> Section:
    outcome = run(events, capacity, scale, visibility_timeout_s)
    section = Section(
        title="Cells",
        method=METHOD.format(
            capacity=capacity,
            n=events,
            workers=MAX_CONCURRENCY,
            batch=BATCH_SIZE,
            timeout=LIFECYCLE_FUNCTION_TIMEOUT_SECONDS,
            vis=visibility_timeout_s,
            scale=scale,
            tps=outcome.tps,
        ),
    )
    channels = [c.channels for c in outcome.cells]
    section.add(
        "devices per cell (placed / channels / capacity)",
        ", ".join(f"{c.id} {c.placed}/{c.channels}/{c.capacity}" for c in outcome.cells),
        target="placed = channels <= capacity",
        met=all(c.placed == c.channels <= c.capacity for c in outcome.cells),
        note="accounts " + ", ".join(f"{c.id} {c.account}" for c in outcome.cells),
    )
    reg = outcome.registration
    section.add(
        "registration: duration",
        reg.seconds,
        "s",
        note=f"floor {outcome.parallel_floor(channels):.1f} s with cells in parallel "
        f"({reg.seconds / max(outcome.parallel_floor(channels), 1e-9):.2f}x), "
        f"{outcome.one_account_floor:.1f} s in one account; {reg.throttles} throttles, "
        f"{reg.retried} records retried",
    )
    section.add(
        "registration: registered / dead letters",
        f"{reg.registry_entries} / {reg.dead_letters}",
        target=f"{outcome.events} / 0",
        met=reg.registry_entries == outcome.events and reg.dead_letters == 0,
    )
    tagged = [c.tagged for c in outcome.cells]
    section.add(
        "rotation: duration",
        outcome.rotation_s,
        "s",
        note=f"floor {outcome.parallel_floor(tagged):.1f} s with cells in parallel "
        f"({outcome.rotation_s / max(outcome.parallel_floor(tagged), 1e-9):.2f}x), "
        f"{outcome.one_account_floor:.1f} s in one account; {outcome.rotation_throttles} throttles",
    )
    section.add(
        "rotation: channels tagged per cell",
        ", ".join(f"{c.id} {c.tagged}" for c in outcome.cells),
        target=f"{sum(c.channels for c in outcome.cells)} in all",
        met=sum(tagged) == sum(c.channels for c in outcome.cells),
        note=f"run summary: failed={outcome.rotation_summary.get('failed')}",
    )
    return section
