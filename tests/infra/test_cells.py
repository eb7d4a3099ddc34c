"""Cells in the infrastructure: the CELLS variable, the placement table, and the stack deployed in
each cell account, with IAM assertions on the synthesized templates (one synthesis per module)."""

from __future__ import annotations

import fnmatch
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import assertions

from functions.common.cells import placement_schema
from functions.common.cells.config import CellSettings
from infra.settings import SettingsError, load_stages
from infra.stage import SignalingStage
from tests.infra.apps import CDK_JSON, build_app, example_context

CONTROL, ACCOUNT_B, ACCOUNT_C = "444444444444", "222222222222", "333333333333"
PREFIX = "alexa-cam-"
KVS_SERVICES = {"alexa-skill", "device-lifecycle", "device-config", "tag-rotation"}
CELLS = [
    {"id": "a", "account": CONTROL, "region": "us-east-1", "capacity": 3},
    {"id": "b", "account": ACCOUNT_B, "region": "us-east-1", "capacity": 3},
    {"id": "c", "account": ACCOUNT_C, "region": "us-west-2"},
]


@pytest.fixture(scope="module")
def outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cdk")


@pytest.fixture(scope="module")
def stages(outdir: Path) -> Iterator[dict[str, SignalingStage]]:
    context = example_context()
    context["stages"]["celled"] = {**context["stages"]["example"], "account": CONTROL, "cells": CELLS}
    context["stages"]["celled"]["identity"] = {
        **context["stages"]["example"]["identity"],
        "domainPrefix": "c",
    }
    app, built = build_app(context, str(outdir))
    app.synth()  # the cdk-nag gate: an unacknowledged finding raises here
    yield {stage.stage_name: stage for stage in built}


def _template(stage: SignalingStage, stack: Any) -> dict[str, Any]:
    template: dict[str, Any] = stage.synth().get_stack_artifact(stack.artifact_id).template
    return template


def _resolve(value: Any) -> Any:
    """A template value with the partition filled in and joins done."""
    if isinstance(value, dict) and value.keys() == {"Ref"} and value["Ref"] == "AWS::Partition":
        return "aws"
    if isinstance(value, dict) and value.keys() == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return separator.join(str(_resolve(p)) for p in parts)
    if isinstance(value, list):
        return [_resolve(v) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v) for k, v in value.items()}
    return value


def _roles(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Role name → {"trust": statements, "allow": statements of its policies}."""
    resources = template["Resources"]
    roles = {}
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        props = _resolve(resource["Properties"])
        allow = [s for p in props.get("Policies", []) for s in p["PolicyDocument"]["Statement"]]
        for policy in resources.values():
            if policy["Type"] == "AWS::IAM::Policy" and {"Ref": logical_id} in policy["Properties"]["Roles"]:
                allow += _resolve(policy["Properties"]["PolicyDocument"]["Statement"])
        roles[props.get("RoleName", logical_id)] = {
            "trust": props["AssumeRolePolicyDocument"]["Statement"],
            "allow": allow,
        }
    return roles


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _allows(statements: list[dict[str, Any]], action: str, resource: str) -> bool:
    """Whether an Allow statement grants `action` on `resource` (IAM wildcard matching)."""
    return any(
        s["Effect"] == "Allow"
        and any(fnmatch.fnmatchcase(action, a) for a in _listed(s["Action"]))
        and any(fnmatch.fnmatchcase(resource, r) for r in _listed(s["Resource"]))
        for s in statements
    )


def _channel(account: str, region: str, name: str) -> str:
    return f"arn:aws:kinesisvideo:{region}:{account}:channel/{name}/1700000000000"


def _cell_stacks(stage: SignalingStage) -> dict[str, dict[str, Any]]:
    return {cell_id: _template(stage, stack) for cell_id, stack in stage.cells.items()}


def test_a_cell_stack_is_deployed_in_each_cell_account_but_the_control_one(
    stages: dict[str, SignalingStage],
) -> None:
    stage = stages["celled"]
    assert {cell_id: (s.account, s.region) for cell_id, s in stage.cells.items()} == {
        "b": (ACCOUNT_B, "us-east-1"),
        "c": (ACCOUNT_C, "us-west-2"),
    }
    assert stages["example"].cells == {}


def test_the_cell_stage_templates_have_no_cfn_lint_errors(
    stages: dict[str, SignalingStage], outdir: Path
) -> None:
    templates = sorted(str(p) for p in outdir.glob("assembly-celled/*.template.json"))
    assert len(templates) == 4, templates  # Stateful, Service, Cell-b, Cell-c
    result = subprocess.run(  # noqa: S603 (fixed argv)
        [str(Path(sys.executable).with_name("cfn-lint")), *templates],
        capture_output=True,
        text=True,
        check=False,
        cwd=CDK_JSON.parent,  # where cfn-lint reads .cfnlintrc
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_cell_role_reaches_only_its_own_cells_channels_under_the_prefix(
    stages: dict[str, SignalingStage],
) -> None:
    templates = _cell_stacks(stages["celled"])
    for cell_id, account, region, other_account, other_region in (
        ("b", ACCOUNT_B, "us-east-1", ACCOUNT_C, "us-west-2"),
        ("c", ACCOUNT_C, "us-west-2", ACCOUNT_B, "us-east-1"),
    ):
        allow = _roles(templates[cell_id])[f"celled-cell-{cell_id}"]["allow"]
        own = _channel(account, region, f"{PREFIX}cam-1")
        for action in (
            "CreateSignalingChannel",
            "DeleteSignalingChannel",
            "SendAlexaOfferToMaster",
            "TagResource",
        ):
            assert _allows(allow, f"kinesisvideo:{action}", own)
            assert not _allows(
                allow, f"kinesisvideo:{action}", _channel(other_account, other_region, f"{PREFIX}x")
            )
            assert not _allows(allow, f"kinesisvideo:{action}", _channel(CONTROL, "us-east-1", f"{PREFIX}x"))
            assert not _allows(allow, f"kinesisvideo:{action}", _channel(account, region, "other-cam-1"))
            assert not _allows(allow, f"kinesisvideo:{action}", _channel(account, other_region, f"{PREFIX}x"))
        # What no function needs: the camera's side of a channel, or anything beyond KVS.
        assert not _allows(allow, "kinesisvideo:ConnectAsMaster", own)
        assert not _allows(allow, "iam:PassRole", "*")
        actions = {a for s in allow for a in _listed(s["Action"])}
        assert all(a.startswith("kinesisvideo:") for a in actions)
        wide = [s for s in allow if "*" in _listed(s["Resource"])]
        assert [_listed(s["Action"]) for s in wide] == [["kinesisvideo:ListSignalingChannels"]]


def _trusted_principals(trust: list[dict[str, Any]]) -> tuple[set[str], set[str]]:
    """(principal accounts/ARNs, aws:PrincipalArn values required) of the Allow statements."""
    (statement,) = trust
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "sts:AssumeRole"
    principals = set(_listed(statement["Principal"]["AWS"]))
    arns = set(_listed(statement["Condition"]["ArnEquals"]["aws:PrincipalArn"]))
    return principals, arns


def test_a_cell_role_trusts_only_the_control_accounts_kvs_function_roles(
    stages: dict[str, SignalingStage],
) -> None:
    stage = stages["celled"]
    service_roles = _roles(_template(stage, stage.service))
    for template in _cell_stacks(stage).values():
        principals, arns = _trusted_principals(
            _roles(template)["celled-cell-" + template_cell(template)]["trust"]
        )
        assert principals == {f"arn:aws:iam::{CONTROL}:root"}
        assert arns == {f"arn:aws:iam::{CONTROL}:role/celled-{service}" for service in KVS_SERVICES}
        # Those roles exist in the control stack under exactly these names.
        assert {f"celled-{service}" for service in KVS_SERVICES} <= set(service_roles)


def template_cell(template: dict[str, Any]) -> str:
    (name,) = [n for n in _roles(template) if n.startswith("celled-cell-")]
    return name.removeprefix("celled-cell-")


def test_the_camera_credentials_role_is_for_the_device_config_function_and_a_cameras_three_actions(
    stages: dict[str, SignalingStage],
) -> None:
    for cell_id, template in _cell_stacks(stages["celled"]).items():
        role = _roles(template)[f"celled-camera-{cell_id}"]
        principals, arns = _trusted_principals(role["trust"])
        assert principals == {f"arn:aws:iam::{CONTROL}:root"}
        assert arns == {f"arn:aws:iam::{CONTROL}:role/celled-device-config"}
        actions = {a for s in role["allow"] for a in _listed(s["Action"])}
        assert actions == {
            "kinesisvideo:ConnectAsMaster",
            "kinesisvideo:GetSignalingChannelEndpoint",
            "kinesisvideo:GetIceServerConfig",
        }
        account, region = (ACCOUNT_B, "us-east-1") if cell_id == "b" else (ACCOUNT_C, "us-west-2")
        assert _allows(
            role["allow"], "kinesisvideo:ConnectAsMaster", _channel(account, region, f"{PREFIX}cam-1")
        )
        assert not _allows(
            role["allow"], "kinesisvideo:ConnectAsMaster", _channel(account, region, "x-cam-1")
        )
        assert not _allows(
            role["allow"], "kinesisvideo:ConnectAsMaster", _channel(CONTROL, "us-east-1", PREFIX)
        )


def _functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {}
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Lambda::Function":
            variables = resource["Properties"]["Environment"]["Variables"]
            found[variables["POWERTOOLS_SERVICE_NAME"]] = resource
    return found


def test_every_function_that_calls_kvs_gets_cells_its_own_validation_accepts(
    stages: dict[str, SignalingStage],
) -> None:
    stage = stages["celled"]
    functions = _functions(_template(stage, stage.service))
    with_cells = {s for s, f in functions.items() if "CELLS" in f["Properties"]["Environment"]["Variables"]}
    assert with_cells == KVS_SERVICES
    rendered = functions["device-lifecycle"]["Properties"]["Environment"]["Variables"]["CELLS"]
    cells = CellSettings.load({"REGISTRY_TABLE_NAME": "registry", "CELLS": rendered}).cells(
        CONTROL, "us-east-1"
    )
    assert [(c.id, c.account, c.region, c.role_arn, c.capacity) for c in cells] == [
        ("a", CONTROL, "us-east-1", None, 3),
        ("b", ACCOUNT_B, "us-east-1", f"arn:aws:iam::{ACCOUNT_B}:role/celled-cell-b", 3),
        ("c", ACCOUNT_C, "us-west-2", f"arn:aws:iam::{ACCOUNT_C}:role/celled-cell-c", 10_000),
    ]
    example = _functions(_template(stages["example"], stages["example"].service))
    assert not any("CELLS" in f["Properties"]["Environment"]["Variables"] for f in example.values())


def _function_role(template: dict[str, Any], service: str) -> str:
    """The logical id of the role of the function `service`."""
    role: str = _functions(template)[service]["Properties"]["Role"]["Fn::GetAtt"][0]
    return role


def _logical_ids(template: dict[str, Any]) -> dict[str, str]:
    """Role name (as `_roles` keys them) → logical id."""
    return {
        resource["Properties"].get("RoleName", logical_id): logical_id
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::IAM::Role"
    }


def _assumable(role: dict[str, Any]) -> list[Any]:
    return [
        r for s in role["allow"] if "sts:AssumeRole" in _listed(s["Action"]) for r in _listed(s["Resource"])
    ]


def test_control_functions_may_assume_exactly_the_cell_roles(stages: dict[str, SignalingStage]) -> None:
    stage = stages["celled"]
    template = _template(stage, stage.service)
    roles = _roles(template)
    cell_roles = {f"arn:aws:iam::{a}:role/celled-cell-{c}" for a, c in ((ACCOUNT_B, "b"), (ACCOUNT_C, "c"))}
    camera_roles = {
        f"arn:aws:iam::{a}:role/celled-camera-{c}" for a, c in ((ACCOUNT_B, "b"), (ACCOUNT_C, "c"))
    }
    # Cell a is the control account: its camera role is in this stack.
    control_camera_role = {"Fn::GetAtt": [_logical_ids(template)["celled-camera-a"], "Arn"]}
    for name, role in roles.items():
        assumable = _assumable(role)
        service = name.removeprefix("celled-")
        if service == "device-config":
            assert control_camera_role in assumable
            assert {r for r in assumable if isinstance(r, str)} == cell_roles | camera_roles
            assert len(assumable) == len(cell_roles | camera_roles) + 1
        elif service in KVS_SERVICES:
            assert set(_assumable(role)) == cell_roles
        else:
            assert _assumable(role) == [], name
    example = _template(stages["example"], stages["example"].service)
    example_roles = _roles(example)
    device_config = _function_role(example, "device-config")
    for name, role in example_roles.items():
        expected = [{"Fn::GetAtt": [_logical_ids(example)["example-camera-default"], "Arn"]}]
        assert _assumable(role) == (expected if name == device_config else []), name


@pytest.mark.parametrize(("stage_name", "cell_id"), [("celled", "a"), ("example", "default")])
def test_the_control_cells_camera_role_is_for_device_config_only_and_a_cameras_three_actions(
    stages: dict[str, SignalingStage], stage_name: str, cell_id: str
) -> None:
    stage = stages[stage_name]
    template = _template(stage, stage.service)
    role = _roles(template)[f"{stage_name}-camera-{cell_id}"]
    (statement,) = role["trust"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Principal"]["AWS"] == f"arn:aws:iam::{stage.account}:root"
    assert statement["Condition"] == {
        "ArnEquals": {
            "aws:PrincipalArn": [{"Fn::GetAtt": [_function_role(template, "device-config"), "Arn"]}]
        }
    }
    assert {a for s in role["allow"] for a in _listed(s["Action"])} == {
        "kinesisvideo:ConnectAsMaster",
        "kinesisvideo:GetSignalingChannelEndpoint",
        "kinesisvideo:GetIceServerConfig",
    }
    own = _channel(stage.account, "us-east-1", f"{PREFIX}cam-1")
    assert _allows(role["allow"], "kinesisvideo:GetIceServerConfig", own)
    assert not _allows(
        role["allow"], "kinesisvideo:GetIceServerConfig", _channel(stage.account, "us-east-1", "x")
    )
    assert not _allows(
        role["allow"], "kinesisvideo:GetIceServerConfig", _channel(ACCOUNT_B, "us-east-1", PREFIX)
    )
    assert not _allows(role["allow"], "kinesisvideo:DeleteSignalingChannel", own)


def test_the_session_policy_narrows_a_camera_role_to_one_channel(stages: dict[str, SignalingStage]) -> None:
    """What device config passes to AssumeRole: effective permissions are the intersection."""
    from functions.device_config.camera_credentials import session_policy

    own = _channel(ACCOUNT_B, "us-east-1", f"{PREFIX}cam-1")
    (statement,) = json.loads(session_policy(own))["Statement"]
    session = [statement]
    role = _roles(_cell_stacks(stages["celled"])["b"])["celled-camera-b"]["allow"]
    for action in ("ConnectAsMaster", "GetSignalingChannelEndpoint", "GetIceServerConfig"):
        assert _allows(role, f"kinesisvideo:{action}", own)
        assert _allows(session, f"kinesisvideo:{action}", own)
        sibling = _channel(ACCOUNT_B, "us-east-1", f"{PREFIX}cam-2")
        assert _allows(role, f"kinesisvideo:{action}", sibling)  # the role alone reaches the prefix
        assert not _allows(session, f"kinesisvideo:{action}", sibling)  # the session only its own
    assert not _allows(session, "kinesisvideo:SendAlexaOfferToMaster", own)
    assert not _allows(session, "kinesisvideo:ConnectAsViewer", own)


def test_the_placement_table_is_kept_with_the_registry(stages: dict[str, SignalingStage]) -> None:
    stage = stages["example"]
    stateful = assertions.Template.from_json(_template(stage, stage.stateful))
    stateful.has_resource(
        "AWS::DynamoDB::Table",
        {
            "DeletionPolicy": "Retain",
            "Properties": assertions.Match.object_like(
                {
                    "KeySchema": [{"AttributeName": placement_schema.PARTITION_KEY, "KeyType": "HASH"}],
                    "DeletionProtectionEnabled": True,
                }
            ),
        },
    )


@pytest.mark.parametrize(
    ("cells", "problem"),
    [
        ([{"id": "a", "account": "111111111111", "region": "us-west-2"}], "control account.*us-east-1"),
        ([{"id": "a", "account": ACCOUNT_B, "region": "eu-west-1", "capacity": 5001}], "5000"),
        ([{"id": "a", "account": ACCOUNT_B, "region": "us-east-1"}] * 2, "duplicate cell id"),
        ([{"id": "a", "account": ACCOUNT_B, "region": "us-east-1", "roleArn": "x"}], "roleArn"),
        # Capacities are JSON integers, as the functions read them.
        *(
            ([{"id": "a", "account": ACCOUNT_B, "region": "us-east-1", "capacity": bad}], "capacity.*integer")
            for bad in ("5", 5.0, True)
        ),
        (None, "should be a JSON array"),
        # More cells than Lambda's variables can carry.
        (
            [{"id": f"c{i}", "account": f"{i + 500:012d}", "region": "us-east-1"} for i in range(40)],
            "CELLS of [0-9]+ characters.*4096",
        ),
    ],
)
def test_bad_cells_fail_synthesis_naming_the_setting(
    cells: list[dict[str, Any]] | None, problem: str
) -> None:
    stage = {**example_context()["stages"]["example"], "cells": cells}
    with pytest.raises(SettingsError, match=rf"stages\.example\.cells.*{problem}"):
        load_stages({"example": stage})


def test_cells_render_to_the_functions_contract() -> None:
    (stage,) = load_stages({"example": {**example_context()["stages"]["example"], "cells": CELLS[1:2]}})
    assert json.loads(stage.cells_variable() or "") == [
        {
            "id": "b",
            "account": ACCOUNT_B,
            "region": "us-east-1",
            "roleArn": f"arn:aws:iam::{ACCOUNT_B}:role/example-cell-b",
            "capacity": 3,
        }
    ]


def test_the_lifecycle_function_places_devices_and_a_full_fleet_raises_an_alarm(
    stages: dict[str, SignalingStage],
) -> None:
    for stage in stages.values():  # with and without cells: every stage places its devices
        template = _template(stage, stage.service)
        functions = _functions(template)
        with_placement = {
            s
            for s, f in functions.items()
            if "PLACEMENT_TABLE_NAME" in f["Properties"]["Environment"]["Variables"]
        }
        assert with_placement == {"device-lifecycle"}
        table = json.dumps(
            functions["device-lifecycle"]["Properties"]["Environment"]["Variables"]["PLACEMENT_TABLE_NAME"]
        )
        assert "CellPlacement" in table  # the stateful stack's placement table
        lifecycle_role = next(r for n, r in _roles(template).items() if "Lifecycle" in n or "lifecycle" in n)
        placement_actions = {
            a
            for s in lifecycle_role["allow"]
            if "CellPlacement" in json.dumps(s["Resource"])
            for a in _listed(s["Action"])
        }
        assert placement_actions == {
            "dynamodb:GetItem",
            "dynamodb:BatchGetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
        }
        assertions.Template.from_json(template).has_resource_properties(
            "AWS::CloudWatch::Alarm",
            {
                "MetricName": "FleetFull",
                "Dimensions": [{"Name": "service", "Value": "device-lifecycle"}],
                "Threshold": 1,
                "AlarmActions": assertions.Match.any_value(),
            },
        )
