"""Stage settings: invalid configuration fails synthesis with a message naming the setting."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infra.settings import SettingsError, StageSettings, load_stages
from tests.infra.apps import CDK_JSON, SKILL_ID, build_app, example_context


def example_stage(**changes: Any) -> dict[str, Any]:
    stage: dict[str, Any] = example_context()["stages"]["example"]
    return {**stage, **changes}


def test_the_example_stage_is_valid_with_defaults() -> None:
    (stage,) = load_stages({"example": example_stage()})
    assert stage.name == "example"
    assert stage.region == "us-east-1"
    assert stage.channel_name_prefix == "alexa-cam-"
    assert stage.rotation.max_tps == 40
    assert stage.device_events.source == "camera.registry"
    assert stage.device_events.publisher_accounts(stage.account) == [stage.account]


def test_publisher_accounts_come_from_account_ids_and_principal_arns() -> None:
    publishers = ["333333333333", "arn:aws:iam::444444444444:role/camera-registry", "333333333333"]
    (stage,) = load_stages({"example": example_stage(deviceEvents={"publishers": publishers})})
    assert stage.device_events.publisher_accounts(stage.account) == ["333333333333", "444444444444"]


@pytest.mark.parametrize(
    ("changes", "setting"),
    [
        ({"skillId": "amzn1.echo-sdk-ams.app.1234"}, "stages.example.skillId"),
        ({"region": "eu-central-1"}, "stages.example.region"),
        ({"messageTtlSeconds": 121}, "stages.example.messageTtlSeconds"),
        ({"messageTtlSeconds": 4}, "stages.example.messageTtlSeconds"),
        ({"account": "12345"}, "stages.example.account"),
        ({"channelNamePrefix": "bad prefix"}, "stages.example.channelNamePrefix"),
        ({"rotation": {"schedule": "every day"}}, "stages.example.rotation.schedule"),
        ({"rotation": {"maxTps": 51}}, "stages.example.rotation.maxTps"),
        ({"skillDeadlineSeconds": 6}, "stages.example.skillDeadlineSeconds"),
        (
            {"identity": {"provider": "oidc", "issuer": "http://insecure"}},
            "stages.example.identity.oidc.issuer",
        ),
        ({"logRetentionDays": 3}, "stages.example.logRetentionDays"),
        ({"unknownKey": 1}, "stages.example.unknownKey"),
        ({"deviceEvents": {"publishers": ["12345"]}}, "stages.example.deviceEvents.publishers"),
        (
            {"deviceEvents": {"publishers": ["arn:aws:iam::12:role/registry"]}},
            "stages.example.deviceEvents.publishers",
        ),
        ({"deviceEvents": {"busName": "default"}}, "stages.example.deviceEvents.busName"),
    ],
)
def test_an_invalid_setting_is_named(changes: dict[str, Any], setting: str) -> None:
    with pytest.raises(SettingsError, match=setting.replace(".", r"\.")):
        load_stages({"example": example_stage(**changes)})


def test_invalid_settings_fail_synthesis(tmp_path: Any) -> None:
    context = example_context()
    context["stages"]["example"]["skillId"] = "not-a-skill"
    with pytest.raises(SettingsError, match=r"stages\.example\.skillId"):
        build_app(context, str(tmp_path))


def test_no_stage_is_an_error() -> None:
    with pytest.raises(SettingsError, match="stages"):
        load_stages(None)


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "us-west-2"])
def test_every_alexa_region_is_accepted(region: str) -> None:
    stage = StageSettings.model_validate({**example_stage(region=region, skillId=SKILL_ID), "name": "x"})
    assert stage.region == region


def two_stages(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    return {"example": example_stage(**first), "prod": example_stage(skillId=SKILL_ID, **second)}


@pytest.mark.parametrize(
    ("example_prefix", "prod_prefix"),
    [("alexa-cam-", "alexa-cam-prod-"), ("alexa-cam-prod-", "alexa-cam-"), ("alexa-cam-", "alexa-cam-")],
)
def test_stages_sharing_an_account_and_region_need_prefixes_neither_begins_with_the_other(
    example_prefix: str, prod_prefix: str
) -> None:
    # One stage's IAM scope channel/{prefix}*/* would cover the other's channels.
    stages = two_stages({"channelNamePrefix": example_prefix}, {"channelNamePrefix": prod_prefix})
    with pytest.raises(SettingsError) as raised:
        load_stages(stages)
    message = str(raised.value)
    assert f"stages.example.channelNamePrefix {example_prefix!r}" in message
    assert f"stages.prod.channelNamePrefix {prod_prefix!r}" in message
    assert "account 111111111111 region us-east-1" in message
    wide = "example" if len(example_prefix) <= len(prod_prefix) else "prod"
    covered = "prod" if wide == "example" else "example"
    assert f"stage {wide!r} (channel/{min(example_prefix, prod_prefix, key=len)}*/*)" in message
    assert f"covers the channels of stage {covered!r}" in message


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"channelNamePrefix": "alexa-cam-"}, {"channelNamePrefix": "prod-cam-"}),
        ({"channelNamePrefix": "alexa-cam-a"}, {"channelNamePrefix": "alexa-cam-b"}),
        ({}, {"account": "222222222222"}),
        ({}, {"region": "eu-west-1"}),
        ({}, {"channelNamePrefix": "alexa-cam-prod-", "region": "us-west-2"}),
    ],
)
def test_stages_may_share_a_prefix_only_in_another_account_or_region(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    assert [stage.name for stage in load_stages(two_stages(first, second))] == ["example", "prod"]


def test_overlapping_prefixes_fail_synthesis(tmp_path: Any) -> None:
    context = example_context()
    context["stages"]["prod"] = {**context["stages"]["example"], "channelNamePrefix": "alexa-cam-prod-"}
    with pytest.raises(SettingsError, match=r"stages\.example\.channelNamePrefix 'alexa-cam-'"):
        build_app(context, str(tmp_path))


@pytest.mark.parametrize(
    ("changes", "line"),
    [
        ({"cells": "a,b"}, "stages.example.cells: should be a JSON array (got 'a,b')"),
        (
            {"cells": [{"id": "a", "account": "222222222222", "region": "eu-west-1", "capacity": 5001}]},
            "stages.example.cells: cell 'a': capacity 5001 is above KVS's 5000 channels per account in "
            "eu-west-1",
        ),
        (
            {"rotation": {"maxTps": 51}},
            "stages.example.rotation.maxTps: Input should be less than or equal to 50 (got 51)",
        ),
        ({"unknownKey": 1}, "stages.example.unknownKey: not a known setting"),
    ],
)
def test_a_settings_error_reads_as_one_line_with_the_value_and_what_is_allowed(
    changes: dict[str, Any], line: str
) -> None:
    with pytest.raises(SettingsError) as failure:
        load_stages({"example": example_stage(**changes)})
    assert str(failure.value) == f"invalid stage settings: {line}"


def test_synthesis_with_a_bad_setting_exits_2_with_one_line(tmp_path: Path) -> None:
    context = example_context()
    context["stages"]["example"]["cells"] = "a,b"
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=CDK_JSON.parent,
        env={**os.environ, "CDK_CONTEXT_JSON": json.dumps(context), "CDK_OUTDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stderr.splitlines()) == (
        2,
        ["cdk.json: invalid stage settings: stages.example.cells: should be a JSON array (got 'a,b')"],
    )
