"""The live-view canary in the synthesized stacks: its function by name, a schedule per cell, its
secret, least-privilege grants, the camera role's trust, alarms and the dashboard row; with
Cognito and with an external identity provider; none where the stage names no canary camera."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import assertions

from infra.settings import SettingsError, load_stages
from infra.stage import SignalingStage
from tests.infra.apps import CDK_JSON, build_app, example_context
from tests.infra.test_stacks import OIDC, functions_by_service

CANARY = {"devices": {"default": "canary-use1"}, "schedule": "rate(10 minutes)"}


@pytest.fixture(scope="module")
def outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cdk")


@pytest.fixture(scope="module")
def stages(outdir: Path) -> Iterator[dict[str, SignalingStage]]:
    context = example_context()
    example = context["stages"]["example"]
    context["stages"]["canaried"] = {**example, "account": "555555555555", "canary": CANARY}
    context["stages"]["external"] = {
        **example,
        "account": "666666666666",
        "identity": OIDC,
        "canary": {"devices": {"default": "canary-ext"}, "schedule": "off"},
    }
    app, built = build_app(context, str(outdir))
    app.synth()  # the cdk-nag gate: an unacknowledged finding raises here
    yield {stage.stage_name: stage for stage in built}


def _service(stages: dict[str, SignalingStage], name: str) -> assertions.Template:
    stage = stages[name]
    return assertions.Template.from_json(stage.synth().get_stack_artifact(stage.service.artifact_id).template)


@pytest.fixture(scope="module")
def canaried(stages: dict[str, SignalingStage]) -> assertions.Template:
    return _service(stages, "canaried")


def _statements(t: assertions.Template, role_id: str) -> list[dict[str, Any]]:
    policies = [
        p["Properties"]
        for p in t.find_resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
    ]
    return [s for p in policies for s in p["PolicyDocument"]["Statement"]]


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def test_the_canary_function_is_named_for_make_smoke_and_knows_its_parts(
    canaried: assertions.Template,
) -> None:
    canary = functions_by_service(canaried)["canary"]
    props = canary["Properties"]
    assert props["FunctionName"] == "canaried-live-view-canary"
    assert props["Handler"] == "functions.canary.handler.handler"
    variables = props["Environment"]["Variables"]
    assert variables["CANARY_DEVICE_IDS"] == "canary-use1"
    assert variables["CANARY_IDENTITY_PROVIDER"] == "cognito"
    assert {"CANARY_USER_POOL_ID", "CANARY_CLIENT_ID", "CANARY_TOKEN_SECRET_ID", "CANARY_CONFIG_URL"} <= set(
        variables
    )
    (alias_id,) = canaried.find_resources("AWS::Lambda::Alias", {"Properties": {"Name": "live"}})
    assert variables["CANARY_SKILL_FUNCTION"] == {"Ref": alias_id}
    sweep = functions_by_service(canaried)["presence-sweep"]
    assert sweep["Properties"]["Environment"]["Variables"]["CANARY_DEVICE_IDS"] == "canary-use1"
    canaried.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig", {"MaximumRetryAttempts": 0, "FunctionName": {"Ref": canary["id"]}}
    )


def test_each_cell_has_a_schedule_naming_its_canary_camera(canaried: assertions.Template) -> None:
    canary_id = functions_by_service(canaried)["canary"]["id"]
    rules = [
        r["Properties"]
        for r in canaried.find_resources("AWS::Events::Rule").values()
        if r["Properties"].get("Targets", [{}])[0].get("Arn") == {"Fn::GetAtt": [canary_id, "Arn"]}
    ]
    assert [r["ScheduleExpression"] for r in rules] == ["rate(10 minutes)"]
    assert json.loads(rules[0]["Targets"][0]["Input"]) == {"deviceIds": ["canary-use1"]}


def test_the_secret_is_generated_and_cognito_lets_the_canary_sign_in_with_a_password(
    canaried: assertions.Template,
) -> None:
    (secret,) = canaried.find_resources("AWS::SecretsManager::Secret").values()
    generated = secret["Properties"]["GenerateSecretString"]
    assert generated["GenerateStringKey"] == "password"
    assert json.loads(generated["SecretStringTemplate"]) == {"username": "canary@canaried.invalid"}
    canaried.has_resource_properties(
        "AWS::Cognito::UserPoolClient",
        {
            "GenerateSecret": True,
            "ExplicitAuthFlows": assertions.Match.array_with(["ALLOW_USER_PASSWORD_AUTH"]),
        },
    )


def test_the_canary_role_holds_only_its_grants(canaried: assertions.Template) -> None:
    canary = functions_by_service(canaried)["canary"]
    role_id = canary["Properties"]["Role"]["Fn::GetAtt"][0]
    granted = {a: s["Resource"] for s in _statements(canaried, role_id) for a in _actions(s)}
    (secret_id,) = canaried.find_resources("AWS::SecretsManager::Secret")
    assert granted["secretsmanager:GetSecretValue"] == {"Ref": secret_id}
    (pool_id,) = canaried.find_resources("AWS::Cognito::UserPool")
    assert granted["cognito-idp:DescribeUserPoolClient"] == {"Fn::GetAtt": [pool_id, "Arn"]}
    (alias_id,) = canaried.find_resources("AWS::Lambda::Alias")
    assert granted["lambda:InvokeFunction"] == {"Ref": alias_id}
    camera_role = next(
        logical_id
        for logical_id, r in canaried.find_resources("AWS::IAM::Role").items()
        if "credentials.iot.amazonaws.com" in json.dumps(r["Properties"]["AssumeRolePolicyDocument"])
    )
    assert granted["sts:AssumeRole"] == {"Fn::GetAtt": [camera_role, "Arn"]}
    assert set(granted) == {
        "secretsmanager:GetSecretValue",
        "cognito-idp:DescribeUserPoolClient",
        "lambda:InvokeFunction",
        "sts:AssumeRole",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }
    trust = canaried.find_resources("AWS::IAM::Role")[camera_role]["Properties"]["AssumeRolePolicyDocument"]
    (canary_trust,) = [s for s in trust["Statement"] if "AWS" in s["Principal"]]
    assert canary_trust["Principal"]["AWS"] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert canary_trust["Condition"] == {"StringEquals": {"sts:RoleSessionName": ["canary-use1"]}}


def test_alarms_per_cell_name_the_runbook_and_the_dashboard_has_a_canary_row(
    canaried: assertions.Template,
) -> None:
    alarms = [a["Properties"] for a in canaried.find_resources("AWS::CloudWatch::Alarm").values()]
    failed = next(a for a in alarms if a.get("MetricName") == "CanaryFailed")
    assert failed["Dimensions"] == [{"Name": "Cell", "Value": "default"}]
    assert failed["Statistic"] == "Sum" and failed["Threshold"] == 2 and failed["Period"] == 900
    answer = next(a for a in alarms if a.get("MetricName") == "CanaryAnswerTime")
    assert answer["Threshold"] == 4500
    assert "Runbook: docs/runbook.md#canary-failed" in failed["AlarmDescription"]
    assert "Runbook: docs/runbook.md#canary-answer-time" in answer["AlarmDescription"]
    for alarm in (failed, answer):
        assert alarm["Namespace"] == "AlexaCameraSignaling"
        assert alarm["AlarmActions"]
    (dashboard,) = canaried.find_resources("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    for title in (
        "Canary failed runs by cell",
        "Canary failed steps (cell, step)",
        "Canary answer time (ms)",
    ):
        assert title in body


def test_an_external_provider_reads_a_refresh_token_and_can_run_unscheduled(
    stages: dict[str, SignalingStage],
) -> None:
    external = _service(stages, "external")
    canary = functions_by_service(external)["canary"]
    assert canary["Properties"]["Environment"]["Variables"]["CANARY_IDENTITY_PROVIDER"] == "refresh"
    assert "CANARY_USER_POOL_ID" not in canary["Properties"]["Environment"]["Variables"]
    (secret,) = external.find_resources("AWS::SecretsManager::Secret").values()
    assert "SecretStringTemplate" not in secret["Properties"].get("GenerateSecretString", {})
    schedules = [
        r for r in external.find_resources("AWS::Events::Rule").values() if "canary" in json.dumps(r)
    ]
    assert schedules == []
    role_id = canary["Properties"]["Role"]["Fn::GetAtt"][0]
    assert not any(a.startswith("cognito-idp:") for s in _statements(external, role_id) for a in _actions(s))


def test_a_stage_without_canary_cameras_has_no_canary(stages: dict[str, SignalingStage]) -> None:
    example = _service(stages, "example")
    assert "canary" not in functions_by_service(example)
    assert example.find_resources("AWS::SecretsManager::Secret") == {}
    example.has_resource_properties(
        "AWS::Cognito::UserPoolClient", {"ExplicitAuthFlows": assertions.Match.absent()}
    )


def test_canary_cameras_must_name_known_cells() -> None:
    context = example_context()["stages"]
    context["example"]["canary"] = {"devices": {"eu": "canary-eu"}}
    with pytest.raises(SettingsError, match=r"canary.devices names no cell \['eu'\]"):
        load_stages(context)


def test_the_canary_stages_templates_have_no_cfn_lint_errors(
    stages: dict[str, SignalingStage], outdir: Path
) -> None:
    templates = sorted(
        str(p) for name in ("canaried", "external") for p in outdir.glob(f"assembly-{name}/*.template.json")
    )
    assert len(templates) == 4, templates
    result = subprocess.run(  # noqa: S603 (fixed argv)
        [str(Path(sys.executable).with_name("cfn-lint")), *templates],
        capture_output=True,
        text=True,
        check=False,
        cwd=CDK_JSON.parent,  # where cfn-lint reads .cfnlintrc
    )
    assert result.returncode == 0, result.stdout + result.stderr
