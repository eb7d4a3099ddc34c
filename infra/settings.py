"""Stage settings from `cdk.json` context, validated before anything is built.

Every key is camelCase in `cdk.json` (`stages.<name>.<key>`); an invalid value fails synthesis with
a message naming the setting, so a wrong skill id or region never reaches CloudFormation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from functions.common.cells.config import (
    DEFAULT_CELL_ID,
    MAX_CELLS_CHARS,
    Cell,
    camera_role_name,
    channel_quota,
    check_cells,
    render_cells,
)
from functions.common.device_id import DeviceId
from functions.common.settings import MESSAGE_TTL_DEFAULT, MESSAGE_TTL_MAX, MESSAGE_TTL_MIN, NAME_CHARS
from functions.common.validation_errors import one_line

# Alexa calls a smart home skill's Lambda only in the region of the skill's locale:
# North America, Europe/India and the Far East.
ALEXA_REGIONS = ("us-east-1", "eu-west-1", "us-west-2")
SKILL_TIMEOUT_SECONDS = 6  # Alexa drops the answer after six seconds; running longer is waste.
CONTEXT_KEY = "stages"


class SettingsError(ValueError):
    """A stage setting in the cdk.json context is missing or invalid."""


class _Settings(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)


class CognitoIdentity(_Settings):
    """Account linking through a Cognito user pool created by the stack."""

    provider: Literal["cognito"]
    # Hosted UI domain: https://{domainPrefix}.auth.{region}.amazoncognito.com
    domain_prefix: Annotated[str, Field(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")]
    # The Alexa developer console shows the vendor id in the skill's account linking redirect URLs.
    alexa_vendor_id: Annotated[str, Field(pattern=r"^[A-Z0-9]{6,32}$")]


class OidcIdentity(_Settings):
    """Account linking through an external OpenID Connect provider."""

    provider: Literal["oidc"]
    issuer: Annotated[str, Field(pattern=r"^https://\S+$")]
    audience: Annotated[str, Field(min_length=1)]
    jwks_url: Annotated[str, Field(pattern=r"^https://\S+$")]


class RotationSettings(_Settings):
    # EventBridge schedule expression.
    schedule: Annotated[str, Field(pattern=r"^(rate|cron)\(.+\)$")] = "rate(1 day)"
    # TagResource/UntagResource/ListTagsForResource allow 50 TPS per account: leave headroom.
    max_tps: Annotated[int, Field(ge=1, le=50)] = 40


class PresenceSettings(_Settings):
    # Forward AWS IoT Core's lifecycle events ($aws/events/presence/+/+) to the presence queue:
    # for fleets whose cameras connect to IoT Core with the deviceId as client id.
    iot_core: bool = False
    # How often the sweep looks for cameras silent for longer than checkInWindowSeconds.
    sweep_schedule: Annotated[str, Field(pattern=r"^(rate|cron)\(.+\)$")] = "rate(1 minute)"


class DetectionSettings(_Settings):
    # How long detections, snapshots and their images are kept (table TTL, bucket expiry).
    retention_days: Annotated[int, Field(ge=1, le=365)] = 30
    # How long an image URI handed to Alexa opens its image (Alexa recommends 10 minutes).
    snapshot_uri_ttl_seconds: Annotated[int, Field(ge=60, le=3600)] = 600


class CanarySettings(_Settings):
    """The live-view canary (docs/functions.md, "Live-view canary and smoke test"): built when `devices` names
    a canary camera; one schedule per cell."""

    # Cell id (`default` without cells) -> the deviceId of that cell's canary camera.
    devices: dict[str, DeviceId] = {}
    # EventBridge schedule expression of each cell's run; "off": none (`make smoke` only).
    schedule: Annotated[str, Field(pattern=r"^((rate|cron)\(.+\)|off)$")] = "rate(5 minutes)"


# A device event publisher: an account id, or the ARN of an IAM role or user.
AccountId = Annotated[str, Field(pattern=r"^[0-9]{12}$")]
PrincipalArn = Annotated[
    str,
    Field(
        max_length=2048,
        pattern=r"^arn:aws(?:-cn|-us-gov)?:iam::[0-9]{12}:(?:role|user)/[A-Za-z0-9_+=,.@/-]+$",
    ),
]


class DeviceEventSettings(_Settings):
    source: Annotated[str, Field(min_length=1, max_length=256)] = "camera.registry"
    # Who may put events on the stage's device event bus. Empty: the stage's own account.
    publishers: tuple[AccountId | PrincipalArn, ...] = ()

    def publisher_accounts(self, own_account: str) -> list[str]:
        """The accounts device events may come from (the `account` field EventBridge sets)."""
        if not self.publishers:
            return [own_account]
        return sorted({p.split(":")[4] if p.startswith("arn:") else p for p in self.publishers})


class CellSettings(_Settings):
    """A cell: an (account, region) holding channels, up to `capacity` of them (default: the
    region's KVS quota). The functions reach a cell outside the control account through the role
    its cell stack creates, whose name follows from the stage and the cell id."""

    id: Annotated[str, Field(pattern=r"^[a-zA-Z0-9_-]{1,32}$")]
    account: Annotated[str, Field(pattern=r"^[0-9]{12}$")]
    region: Annotated[str, Field(pattern=r"^[a-z]{2}(-[a-z]+)+-[0-9]$")]
    capacity: Annotated[int, Field(ge=1, strict=True)] | None = None  # a JSON integer, as in CELLS


class StageSettings(_Settings):
    """One deployment of the whole system (an environment in one account and region)."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,23}$")]
    account: Annotated[str, Field(pattern=r"^[0-9]{12}$")]
    region: str
    skill_id: Annotated[str, Field(pattern=r"^amzn1\.ask\.skill\.[0-9a-fA-F-]{36}$")]
    channel_name_prefix: Annotated[str, Field(pattern=rf"^{NAME_CHARS}{{1,64}}$")] = "alexa-cam-"
    message_ttl_seconds: Annotated[int, Field(ge=MESSAGE_TTL_MIN, le=MESSAGE_TTL_MAX)] = MESSAGE_TTL_DEFAULT
    identity: Annotated[CognitoIdentity | OidcIdentity, Field(discriminator="provider")]
    rotation: RotationSettings = RotationSettings()
    device_events: DeviceEventSettings = DeviceEventSettings()
    skill_deadline_seconds: Annotated[float, Field(gt=0, lt=SKILL_TIMEOUT_SECONDS)] = 4.5
    # A camera with no confirmation (connect event or config check-in) for this long is unreachable.
    check_in_window_seconds: Annotated[int, Field(ge=60, le=86_400)] = 600
    presence: PresenceSettings = PresenceSettings()
    detections: DetectionSettings = DetectionSettings()
    # Skill latency alarm threshold: p99 offer-to-answer above this is close to Alexa's limit.
    latency_alarm_ms: Annotated[int, Field(ge=1000, lt=SKILL_TIMEOUT_SECONDS * 1000)] = 4500
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_retention_days: Literal[7, 14, 30, 90, 180, 365] = 30
    alarm_email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")] | None = None
    # Where channels live (docs/deploying.md, "Cells"). Empty: one cell, this account and region.
    cells: tuple[CellSettings, ...] = ()
    canary: CanarySettings = CanarySettings()

    @field_validator("region")
    @classmethod
    def _alexa_region(cls, region: str) -> str:
        if region not in ALEXA_REGIONS:
            raise ValueError(f"{region!r} cannot host an Alexa smart home skill; use one of {ALEXA_REGIONS}")
        return region

    @field_validator("cells")
    @classmethod
    def _valid_cells(cls, cells: tuple[CellSettings, ...], info: ValidationInfo) -> tuple[CellSettings, ...]:
        name, account, region = (info.data.get(k) for k in ("name", "account", "region"))
        if name is None or account is None or region is None:
            return cells  # reported on their own fields
        for cell in cells:
            if cell.account == account and cell.region != region:
                raise ValueError(
                    f"cell {cell.id!r} is in the control account, so it must be in the stage's region "
                    f"{region} (the functions' own role reaches channels there only)"
                )
        try:
            rendered = render_cells(check_cells(_function_cells(name, account, cells)))
        except ValidationError as exc:
            raise ValueError(one_line(exc)) from None
        if len(rendered) > MAX_CELLS_CHARS:
            raise ValueError(
                f"{len(cells)} cells make a CELLS of {len(rendered)} characters, but at most "
                f"{MAX_CELLS_CHARS} fit in a Lambda function's variables"
            )
        return cells

    @model_validator(mode="after")
    def _canary_cells_exist(self) -> StageSettings:
        known = self.cell_ids()
        unknown = sorted(set(self.canary.devices) - set(known))
        if unknown:
            raise ValueError(f"canary.devices names no cell {unknown}; the cells are {list(known)}")
        if len(set(self.canary.devices.values())) != len(self.canary.devices):
            raise ValueError("canary.devices: each cell needs a canary camera of its own")
        return self

    def cell_ids(self) -> tuple[str, ...]:
        return tuple(cell.id for cell in self.cells) or (DEFAULT_CELL_ID,)

    def function_cells(self) -> tuple[Cell, ...]:
        """The cells as the functions read them from CELLS (functions.common.cells.config)."""
        return _function_cells(self.name, self.account, self.cells)

    def remote_cells(self) -> tuple[Cell, ...]:
        """The cells outside the control account: each gets a cell stack."""
        return tuple(cell for cell in self.function_cells() if cell.role_arn is not None)

    def cells_variable(self) -> str | None:
        """The CELLS value of the functions that call KVS; None: one cell, this account and region."""
        return render_cells(self.function_cells()) if self.cells else None

    # Fixed role names: a cell account's trust and the functions' grants name roles in the other
    # account, where CloudFormation cannot resolve a generated name.
    def function_role_name(self, service: str) -> str:
        return f"{self.name}-{service}"

    def media_bucket_name(self) -> str:
        """Fixed (bucket names are global): the functions' grants name it without a cross-stack
        export. At most 24 + 14 + 12 + 1 + 9 = 60 characters of S3's 63."""
        return f"{self.name}-camera-media-{self.account}-{self.region}"

    def cell_role_name(self, cell_id: str) -> str:
        return cell_role_name(self.name, cell_id)

    def camera_role_name(self, cell_id: str) -> str:
        return camera_role_name(self.name, cell_id)


def cell_role_name(stage: str, cell_id: str) -> str:
    return f"{stage}-cell-{cell_id}"


def _function_cells(stage: str, account: str, cells: tuple[CellSettings, ...]) -> tuple[Cell, ...]:
    return tuple(
        Cell.model_validate(
            {
                "id": cell.id,
                "account": cell.account,
                "region": cell.region,
                "roleArn": None
                if cell.account == account
                else f"arn:aws:iam::{cell.account}:role/{cell_role_name(stage, cell.id)}",
                "capacity": cell.capacity or channel_quota(cell.region),
            }
        )
        for cell in cells
    )


def load_stages(context: Mapping[str, Any] | None) -> list[StageSettings]:
    """Validate every stage under the `stages` context key; errors name `stages.<stage>.<key>`."""
    if not context:
        raise SettingsError(f"cdk.json context has no '{CONTEXT_KEY}': define at least one stage")
    stages = []
    for name, values in context.items():
        try:
            stages.append(StageSettings.model_validate({**values, "name": name}))
        except ValidationError as exc:
            raise SettingsError(f"invalid stage settings: {one_line(exc, (CONTEXT_KEY, name))}") from None
    _refuse_overlapping_prefixes(stages)
    return stages


def _refuse_overlapping_prefixes(stages: list[StageSettings]) -> None:
    """Stages in one account and region need channel prefixes neither of which begins with the other.

    Otherwise one stage's IAM scope `channel/{prefix}*/*` and its prefix listings cover the other's
    channels: its cameras could connect as master there, and its lifecycle and rotation would adopt
    and delete them. Every stage names its account (required above), so no stage is env-agnostic;
    were one, its account would have to count as the same as any other's, since such a template
    deploys into whatever account runs it.
    """
    for index, first in enumerate(stages):
        for second in stages[index + 1 :]:
            same_place = (first.account, first.region) == (second.account, second.region)
            a, b = first.channel_name_prefix, second.channel_name_prefix
            if same_place and (a.startswith(b) or b.startswith(a)):
                wide, narrow = (first, second) if len(a) <= len(b) else (second, first)
                raise SettingsError(
                    f"{CONTEXT_KEY}.{first.name}.channelNamePrefix {a!r} and "
                    f"{CONTEXT_KEY}.{second.name}.channelNamePrefix {b!r} overlap in account "
                    f"{first.account} region {first.region}: the IAM scope of stage {wide.name!r} "
                    f"(channel/{wide.channel_name_prefix}*/*) also covers the channels of stage "
                    f"{narrow.name!r}. Use prefixes neither of which begins with the other, or "
                    "another account or region"
                )
