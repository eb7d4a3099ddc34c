"""Cells: the (account, region) pairs that hold a stage's signaling channels.

A stage has one control account (the functions, the registry) and one or more cells, each below
its region's KVS channel quota, so a fleet can outgrow one account. `CELLS` is a JSON list of
`{"id", "account", "region", "roleArn", "capacity"}`; a cell in the control account has no
`roleArn` (the functions' own role reaches it). Absent, the stage has one cell, the control
account and region at the quota: what a stage was before cells. The value is read strictly:
`null`, a key given twice, a capacity that is not a JSON integer or a value too long for Lambda's
variables are refused, and errors describe the value without quoting it.

The control account and region are those the function runs in (its invoked ARN), so no variable
has to repeat them; the checks that need them run when a function resolves its cells.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from functions.common.settings import ConfigurationError, FunctionSettings

DEFAULT_CELL_ID = "default"
# KVS's signaling channel quota per account: 10,000 in these regions, 5,000 in the others.
_LARGE_QUOTA_REGIONS = frozenset({"us-east-1", "us-west-2"})
LARGE_CHANNEL_QUOTA, CHANNEL_QUOTA = 10_000, 5_000
ACCOUNT_PATTERN = r"^[0-9]{12}$"
REGION_PATTERN = r"^[a-z]{2}(-[a-z]+)+-[0-9]$"
# Matched whole (`fullmatch`: `$` alone also matches before a trailing newline), in ASCII (IAM
# names are ASCII; a Unicode \w would take other scripts' letters and digits).
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::([0-9]{12}):role/[\w+=,.@/-]{1,512}", re.ASCII)
_ROLE_ARN_FORM = "arn:aws:iam::{12 digits}:role/{path and name of A-Z a-z 0-9 _+=,.@/-}"
_CELLS_FORM = 'a JSON list of {"id", "account", "region", "roleArn" (not in the control account), "capacity"}'
_UNSET_CELLS = "leave CELLS unset for one cell in the function's own account and region"
# Lambda allows 4 KB for all of a function's variables together: a longer CELLS cannot be deployed.
MAX_CELLS_CHARS = 4096
_CHANNEL_ARN = re.compile(r"^arn:aws[a-z-]*:kinesisvideo:([a-z0-9-]+):([0-9]{12}):channel/")


def _invalid(problem: str) -> PydanticCustomError:
    """A validation error whose message is `problem` as written (no "Value error," before it)."""
    return PydanticCustomError("invalid_cells", problem)


def camera_role_name(stage: str, cell_id: str) -> str:
    """The cell's camera credentials role, which device config assumes for a camera (the cell
    stack, or the control stack for a cell in the control account, creates it)."""
    return f"{stage}-camera-{cell_id}"


def channel_quota(region: str) -> int:
    """How many signaling channels KVS allows one account in `region`."""
    return LARGE_CHANNEL_QUOTA if region in _LARGE_QUOTA_REGIONS else CHANNEL_QUOTA


class Cell(BaseModel):
    """One cell. Field aliases are the `CELLS` keys."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="forbid")

    id: Annotated[str, Field(alias="id", pattern=r"^[a-zA-Z0-9_-]{1,32}$")]
    account: Annotated[str, Field(alias="account", pattern=ACCOUNT_PATTERN)]
    region: Annotated[str, Field(alias="region", pattern=REGION_PATTERN)]
    role_arn: Annotated[str | None, Field(alias="roleArn")] = None
    # A JSON integer: "5", 5.0 or true is a mistake in the value, not a capacity.
    capacity: Annotated[int, Field(alias="capacity", ge=1, strict=True)]

    @field_validator("role_arn")
    @classmethod
    def _role_arn_form(cls, role_arn: str | None) -> str | None:
        if role_arn is not None and not _ROLE_ARN.fullmatch(role_arn):
            raise _invalid(f"not an IAM role ARN ({_ROLE_ARN_FORM})")
        return role_arn

    @model_validator(mode="after")
    def _consistent(self) -> Cell:
        role = _ROLE_ARN.fullmatch(self.role_arn) if self.role_arn is not None else None
        if role is not None and role.group(1) != self.account:
            raise _invalid(
                f"cell {self.id!r}: roleArn is in account {role.group(1)}, not the cell's {self.account}"
            )
        quota = channel_quota(self.region)
        if self.capacity > quota:
            raise _invalid(
                f"cell {self.id!r}: capacity {self.capacity} is above KVS's {quota} channels per "
                f"account in {self.region}"
            )
        return self

    def in_control_account(self, control_account: str) -> bool:
        return self.account == control_account


class _KeyTwice(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps the last of two equal keys silently, so a pasted edit would hide the first.
    keys = [key for key, _ in pairs]
    for key in keys:
        if keys.count(key) > 1:
            raise _KeyTwice(key[:32])
    return dict(pairs)


def _parse_json(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if len(value) > MAX_CELLS_CHARS:
        raise _invalid(
            f"{len(value)} characters, but at most {MAX_CELLS_CHARS} fit in a Lambda function's variables"
        )
    try:
        parsed = json.loads(value, object_pairs_hook=_unique_keys)
    except _KeyTwice as key:
        raise _invalid(f"a cell gives the key {str(key)!r} twice") from None
    # RecursionError: nesting past the interpreter's limit, which is lower on some Pythons than
    # the length limit allows.
    except (ValueError, RecursionError):
        raise _invalid(f"not valid JSON; expected {_CELLS_FORM}") from None
    if parsed is None:
        raise _invalid(f"null is not a list of cells; {_UNSET_CELLS}")
    return parsed


def check_cells(cells: tuple[Cell, ...]) -> tuple[Cell, ...]:
    """The rules across cells (each cell checks its own); raises ValueError."""
    seen: set[str] = set()
    places: set[tuple[str, str]] = set()
    for cell in cells:
        if cell.id in seen:
            raise _invalid(f"duplicate cell id {cell.id!r}")
        seen.add(cell.id)
        if (cell.account, cell.region) in places:
            # The channel ARN is how a function finds a channel's cell: it must name one cell.
            raise _invalid(f"cell {cell.id!r} is in the same account and region as another cell")
        places.add((cell.account, cell.region))
    roleless = {cell.account for cell in cells if cell.role_arn is None}
    if len(roleless) > 1:
        raise _invalid(
            f"cells without roleArn must all be in the control account, but name {len(roleless)} accounts"
        )
    return cells


class Cells(Sequence[Cell]):
    """A stage's resolved cells, in `CELLS` order."""

    def __init__(self, cells: Sequence[Cell]) -> None:
        self._cells = tuple(cells)
        self._by_id = {cell.id: cell for cell in self._cells}
        self._by_place = {(cell.account, cell.region): cell for cell in self._cells}

    def __len__(self) -> int:
        return len(self._cells)

    def __getitem__(self, index: int) -> Cell:  # type: ignore[override]
        return self._cells[index]

    def __iter__(self) -> Iterator[Cell]:
        return iter(self._cells)

    def get(self, cell_id: str) -> Cell:
        try:
            return self._by_id[cell_id]
        except KeyError:
            raise LookupError(f"no cell {cell_id!r} in CELLS") from None

    def of_channel_arn(self, channel_arn: str) -> Cell:
        """The cell holding a channel: its ARN names the account and region."""
        match = _CHANNEL_ARN.match(channel_arn)
        if match is None:
            raise LookupError("not a channel ARN")
        region, account = match.groups()
        try:
            return self._by_place[(account, region)]
        except KeyError:
            raise LookupError(f"no cell in account {account}, region {region}") from None


def render_cells(cells: Sequence[Cell]) -> str:
    """The `CELLS` value of these cells, as the stacks and the local cloud set it."""
    return json.dumps(
        [cell.model_dump(by_alias=True, exclude_none=True) for cell in cells], separators=(",", ":")
    )


class CellSettings(FunctionSettings):
    """The settings of a function that calls KVS: which cells hold the channels."""

    cells_config: Annotated[
        tuple[Cell, ...] | None,
        Field(alias="CELLS"),
        BeforeValidator(_parse_json),
    ] = None

    @field_validator("cells_config")
    @classmethod
    def _valid_cells(cls, cells: tuple[Cell, ...] | None) -> tuple[Cell, ...] | None:
        if cells == ():
            raise _invalid(f"an empty list; name at least one cell, or {_UNSET_CELLS}")
        return None if cells is None else check_cells(cells)

    def cells(self, control_account: str, control_region: str) -> Cells:
        """The cells, given the account and region the function runs in (the control ones)."""
        if self.cells_config is None:
            return Cells(
                [
                    Cell(
                        id=DEFAULT_CELL_ID,
                        account=control_account,
                        region=control_region,
                        capacity=channel_quota(control_region),
                    )
                ]
            )
        for cell in self.cells_config:
            if cell.role_arn is None and not cell.in_control_account(control_account):
                raise ConfigurationError(
                    f"invalid configuration: CELLS: cell {cell.id!r} in account {cell.account} needs a "
                    f"roleArn (only a cell in the control account {control_account} has none)"
                )
            if cell.role_arn is not None and cell.in_control_account(control_account):
                raise ConfigurationError(
                    f"invalid configuration: CELLS: cell {cell.id!r} is in the control account and "
                    "takes no roleArn (the functions' own role reaches it)"
                )
        return Cells(self.cells_config)
