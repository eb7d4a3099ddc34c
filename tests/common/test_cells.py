"""Cells: the CELLS contract, its validation at start, and finding a channel's cell."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.common.cells.config import (
    DEFAULT_CELL_ID,
    CellSettings,
    channel_quota,
)
from functions.common.settings import ConfigurationError

CONTROL = "111111111111"
CELL_B = "222222222222"
CELL_C = "333333333333"


def _cell(cell_id: str, account: str, region: str = "us-east-1", capacity: int = 100) -> dict[str, Any]:
    cell: dict[str, Any] = {"id": cell_id, "account": account, "region": region, "capacity": capacity}
    if account != CONTROL:
        cell["roleArn"] = f"arn:aws:iam::{account}:role/cell-{cell_id}"
    return cell


def _load(cells: list[dict[str, Any]] | str) -> CellSettings:
    raw = cells if isinstance(cells, str) else json.dumps(cells)
    return CellSettings.load({"REGISTRY_TABLE_NAME": "registry", "CELLS": raw})


def test_absent_cells_mean_one_cell_in_the_control_account_at_the_regions_quota() -> None:
    settings = CellSettings.load({"REGISTRY_TABLE_NAME": "registry"})
    cells = settings.cells(CONTROL, "eu-west-1")
    assert [(c.id, c.account, c.region, c.role_arn, c.capacity) for c in cells] == [
        (DEFAULT_CELL_ID, CONTROL, "eu-west-1", None, 5_000)
    ]
    assert cells.get(DEFAULT_CELL_ID).in_control_account(CONTROL)


def test_the_quota_is_ten_thousand_in_the_two_big_regions_and_five_thousand_elsewhere() -> None:
    assert channel_quota("us-east-1") == channel_quota("us-west-2") == 10_000
    assert channel_quota("eu-central-1") == channel_quota("ap-northeast-1") == 5_000


def test_cells_parse_from_the_json_contract() -> None:
    settings = _load([_cell("a", CONTROL), _cell("b", CELL_B, "us-west-2", 10_000)])
    cells = settings.cells(CONTROL, "us-east-1")
    assert [c.id for c in cells] == ["a", "b"]
    b = cells.get("b")
    assert (b.account, b.region, b.capacity) == (CELL_B, "us-west-2", 10_000)
    assert b.role_arn == f"arn:aws:iam::{CELL_B}:role/cell-b"
    assert not b.in_control_account(CONTROL)


def test_a_channel_arn_names_its_cell_by_account_and_region() -> None:
    cells = _load([_cell("a", CONTROL), _cell("b", CELL_B), _cell("c", CELL_B, "us-west-2")]).cells(
        CONTROL, "us-east-1"
    )
    arn = "arn:aws:kinesisvideo:{region}:{account}:channel/alexa-cam-cam-1/1700000000000"
    assert cells.of_channel_arn(arn.format(region="us-east-1", account=CONTROL)).id == "a"
    assert cells.of_channel_arn(arn.format(region="us-east-1", account=CELL_B)).id == "b"
    assert cells.of_channel_arn(arn.format(region="us-west-2", account=CELL_B)).id == "c"
    with pytest.raises(LookupError, match=CELL_C):
        cells.of_channel_arn(arn.format(region="us-east-1", account=CELL_C))
    with pytest.raises(LookupError, match="not a channel ARN"):
        cells.of_channel_arn("arn:aws:s3:::bucket")
    with pytest.raises(LookupError, match="nope"):
        cells.get("nope")


def test_two_cells_in_one_account_and_region_are_refused() -> None:
    # A channel ARN could not say which of the two holds it.
    with pytest.raises(ConfigurationError, match=r"CELLS.*same account and region"):
        _load([_cell("a", CELL_B), _cell("b", CELL_B)])


@pytest.mark.parametrize(
    ("cells", "problem"),
    [
        ("not json", "CELLS"),
        ("[]", "CELLS"),
        (json.dumps({"id": "a"}), "CELLS"),
        (json.dumps([_cell("a", CONTROL), _cell("a", CELL_B)]), "CELLS.*duplicate cell id 'a'"),
        (json.dumps([_cell("a", "12345")]), "CELLS"),
        (json.dumps([_cell("a", CELL_B) | {"capacity": 0}]), "CELLS"),
        (json.dumps([_cell("a", CELL_B, "eu-west-1", 5_001)]), "CELLS.*5000"),
        (json.dumps([_cell("a", CELL_B, "us-east-1", 10_001)]), "CELLS.*10000"),
        (json.dumps([_cell("a", CELL_B) | {"roleArn": f"arn:aws:iam::{CELL_C}:role/x"}]), "CELLS.*account"),
        (json.dumps([_cell("a", CELL_B) | {"roleArn": "not-an-arn"}]), "CELLS"),
        (json.dumps([_cell("a", CELL_B) | {"region": "moon"}]), "CELLS"),
        (json.dumps([_cell("a b", CELL_B)]), "CELLS"),
        (json.dumps([_cell("a", CELL_B) | {"extra": 1}]), "CELLS"),
        # Cells without a role are the control account's: there is only one.
        (
            json.dumps(
                [{k: v for k, v in _cell("a", CELL_B).items() if k != "roleArn"}, _cell("b", CONTROL)]
            ),
            "CELLS.*roleArn",
        ),
    ],
)
def test_a_bad_cells_value_fails_at_load_naming_the_variable(cells: str, problem: str) -> None:
    with pytest.raises(ConfigurationError, match=problem):
        _load(cells)


def test_null_cells_is_refused_while_absent_cells_mean_one_default_cell() -> None:
    # `null` is a mistake (a template's empty value, a script's None), not a way to say "default".
    with pytest.raises(ConfigurationError, match=r"CELLS: null.*leave CELLS unset"):
        _load("null")
    assert CellSettings.load({"REGISTRY_TABLE_NAME": "registry"}).cells_config is None


def _many_cells(count: int) -> str:
    return json.dumps([_cell(f"c{i}", f"{i + 2:012d}") for i in range(count)])


@pytest.mark.parametrize(
    "cells",
    [
        "[" * 100_000 + "]" * 100_000,  # past Python's recursion limit
        "[" * 1_500 + "]" * 1_500,  # short, and still past it
        '{"a":' * 50_000 + "1" + "}" * 50_000,
        "[" + "9" * 5_000 + "]",  # past Python's int digit limit
        _many_cells(5_000),
        json.dumps([_cell("a", CELL_B) | {"roleArn": "x" * 1_000_000}]),
    ],
)
def test_deeply_nested_or_huge_cells_fail_as_a_short_cells_error(cells: str) -> None:
    with pytest.raises(ConfigurationError, match="CELLS") as raised:
        _load(cells)
    assert len(str(raised.value)) < 300  # the input is described, never quoted


def test_cells_fit_in_a_lambda_functions_variables() -> None:
    with pytest.raises(ConfigurationError, match=r"CELLS: \d+ characters.*at most 4096"):
        _load(_many_cells(40))
    assert len(_load(_many_cells(20)).cells(CONTROL, "us-east-1")) == 20


@pytest.mark.parametrize(
    "role_arn",
    [
        f"arn:aws:iam::{CELL_B}:role/cell-a\n",  # `$` alone matches before a trailing newline
        f"arn:aws:iam::{CELL_B}:role/cell-a\r",
        f"arn:aws:iam::{CELL_B}:role/cellé",  # IAM names are ASCII: \w must not take other scripts
        f"arn:aws:iam::{CELL_B}:role/cell٣",
        f"arn:aws:iam::{CELL_B}:role/",
        f" arn:aws:iam::{CELL_B}:role/cell-a",
    ],
)
def test_a_role_arn_is_matched_whole_in_ascii(role_arn: str) -> None:
    with pytest.raises(ConfigurationError, match=r"CELLS\.0\.roleArn.*IAM role ARN"):
        _load([_cell("a", CELL_B) | {"roleArn": role_arn}])


@pytest.mark.parametrize("capacity", ["5", 5.0, True, None, [5]])
def test_a_capacity_is_a_json_integer(capacity: object) -> None:
    with pytest.raises(ConfigurationError, match=r"CELLS\.0\.capacity.*integer"):
        _load([_cell("a", CELL_B) | {"capacity": capacity}])


def test_a_key_given_twice_is_refused() -> None:
    # JSON keeps the last of two equal keys silently: a pasted edit would hide the first.
    cell = json.dumps(_cell("a", CELL_B))
    with pytest.raises(ConfigurationError, match=r"CELLS.*'capacity' twice"):
        _load(f'[{cell[:-1]}, "capacity": 7}}]')


def test_an_empty_list_says_what_is_allowed() -> None:
    with pytest.raises(ConfigurationError, match=r"CELLS: .*empty.*leave CELLS unset") as raised:
        _load("[]")
    assert "after validation" not in str(raised.value)


def test_a_cell_without_role_outside_the_control_account_fails_naming_the_variable() -> None:
    settings = _load([{k: v for k, v in _cell("a", CELL_B).items() if k != "roleArn"}])
    with pytest.raises(ConfigurationError, match=rf"CELLS.*{CELL_B}.*roleArn"):
        settings.cells(CONTROL, "us-east-1")


def test_a_cell_with_a_role_in_the_control_account_is_refused() -> None:
    settings = _load([_cell("a", CELL_B) | {"account": CONTROL, "roleArn": f"arn:aws:iam::{CONTROL}:role/r"}])
    with pytest.raises(ConfigurationError, match=r"CELLS.*control account.*no roleArn"):
        settings.cells(CONTROL, "us-east-1")


@pytest.mark.parametrize(
    "settings_class", ["LifecycleSettings", "SkillSettings", "DeviceConfigSettings", "RotationSettings"]
)
def test_every_function_that_calls_kvs_refuses_a_bad_cells_at_start(settings_class: str) -> None:
    from functions.alexa_skill.settings import SkillSettings
    from functions.device_config.settings import DeviceConfigSettings
    from functions.device_lifecycle.settings import LifecycleSettings
    from functions.tag_rotation.settings import RotationSettings

    every = (LifecycleSettings, SkillSettings, DeviceConfigSettings, RotationSettings)
    classes = {c.__name__: c for c in every}
    assert issubclass(classes[settings_class], CellSettings)
    with pytest.raises(ConfigurationError, match="CELLS"):
        classes[settings_class].load({"CELLS": "[]"})
