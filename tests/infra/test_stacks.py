"""CDK assertions on the synthesized stacks (one synthesis per module: jsii is slow).

The app carries two stages: the example from cdk.json (Cognito account linking, us-east-1) and an
OIDC stage in eu-west-1 with another prefix, so nothing below can pass on hard-coded defaults.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from aws_cdk import assertions

from functions.common import queue_schema, registry_schema, rotation_state_schema
from infra.stage import SignalingStage
from tests.infra.apps import SKILL_ID, build_app, example_context

OIDC = {
    "provider": "oidc",
    "issuer": "https://login.example.com/",
    "audience": "alexa-camera",
    "jwks_url": "https://login.example.com/.well-known/jwks.json",
}


@pytest.fixture(scope="module")
def stages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, SignalingStage]]:
    context = example_context()
    context["stages"]["partner"] = {
        "account": "222222222222",
        "region": "eu-west-1",
        "skillId": SKILL_ID,
        "channelNamePrefix": "cam-",
        "messageTtlSeconds": 30,
        "identity": OIDC,
        "rotation": {"schedule": "cron(0 3 * * ? *)", "maxTps": 20},
        "deviceEvents": {
            "source": "acme.devices",
            "publishers": ["333333333333", "arn:aws:iam::444444444444:role/camera-registry"],
        },
        "logRetentionDays": 90,
        "presence": {"iotCore": True},
        "detections": {"retentionDays": 7, "snapshotUriTtlSeconds": 300},
    }
    app, built = build_app(context, str(tmp_path_factory.mktemp("cdk")))
    app.synth()  # runs the cdk-nag gate: any unacknowledged finding raises here
    yield {stage.stage_name: stage for stage in built}


def template(stages: dict[str, SignalingStage], name: str, stack: str) -> assertions.Template:
    stage = stages[name]
    target = stage.service if stack == "service" else stage.stateful
    return assertions.Template.from_json(stage.synth().get_stack_artifact(target.artifact_id).template)


@pytest.fixture(scope="module")
def service(stages: dict[str, SignalingStage]) -> assertions.Template:
    return template(stages, "example", "service")


@pytest.fixture(scope="module")
def partner(stages: dict[str, SignalingStage]) -> assertions.Template:
    return template(stages, "partner", "service")


@pytest.fixture(scope="module")
def stateful(stages: dict[str, SignalingStage]) -> assertions.Template:
    return template(stages, "example", "stateful")


def functions_by_service(t: assertions.Template) -> dict[str, dict[str, Any]]:
    found = t.find_resources("AWS::Lambda::Function")
    return {
        props["Properties"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]: {
            "id": logical_id,
            **props,
        }
        for logical_id, props in found.items()
    }


def role_statements(t: assertions.Template, function: dict[str, Any]) -> list[dict[str, Any]]:
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    statements: list[dict[str, Any]] = []
    for policy in t.find_resources("AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return statements


def actions_of(statements: list[dict[str, Any]], service_prefix: str) -> set[str]:
    found: set[str] = set()
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        found.update(a for a in actions if a.startswith(f"{service_prefix}:"))
    return found


def test_every_function_is_python_313_on_arm64_with_tracing_and_powertools(
    service: assertions.Template,
) -> None:
    functions = functions_by_service(service)
    assert set(functions) == {
        "alexa-skill",
        "device-lifecycle",
        "tag-rotation",
        "device-config",
        "alexa-events",
        "device-presence",
        "presence-sweep",
        "detections",
        "media",
    }
    for name, fn in functions.items():
        props = fn["Properties"]
        assert props["Runtime"] == "python3.13"
        assert props["Architectures"] == ["arm64"]
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert props["Handler"] == f"functions.{name.replace('-', '_')}.handler.handler"
        # The project's own layer of the lock, for this runtime and architecture (no public layer).
        (layer,) = props["Layers"]
        resource = service.to_json()["Resources"][layer["Ref"]]
        assert resource["Type"] == "AWS::Lambda::LayerVersion"
        assert resource["Properties"]["CompatibleRuntimes"] == ["python3.13"]
        assert resource["Properties"]["CompatibleArchitectures"] == ["arm64"]
        env = props["Environment"]["Variables"]
        assert env["POWERTOOLS_METRICS_NAMESPACE"] == "AlexaCameraSignaling"
        assert env["CHANNEL_NAME_PREFIX"] == "alexa-cam-"
        assert env["MESSAGE_TTL_SECONDS"] == "5"  # the default: cdk.json's example sets none
        assert env["ENVIRONMENT_NAME"] == "example"
        assert env["POWERTOOLS_LOG_LEVEL"] == "INFO"
        assert env["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"
        assert env["POWERTOOLS_TRACER_CAPTURE_ERROR"] == "false"
        assert "Fn::ImportValue" in env["REGISTRY_TABLE_NAME"]
        assert "Ref" in props["LoggingConfig"]["LogGroup"]


def test_every_function_waits_for_the_policy_of_its_own_role(service: assertions.Template) -> None:
    """A function created before its role's policy would start without its permissions."""
    policies = service.find_resources("AWS::IAM::Policy")
    for fn in functions_by_service(service).values():
        role = fn["Properties"]["Role"]["Fn::GetAtt"][0]
        (policy,) = (
            logical_id
            for logical_id, props in policies.items()
            if {"Ref": role} in props["Properties"]["Roles"]
        )
        assert policy in fn["DependsOn"]


def test_log_groups_have_the_configured_retention(
    service: assertions.Template, partner: assertions.Template
) -> None:
    example_groups = service.find_resources("AWS::Logs::LogGroup")
    partner_groups = partner.find_resources("AWS::Logs::LogGroup")
    assert len(example_groups) == 10  # nine functions and the API's access log
    assert {g["Properties"]["RetentionInDays"] for g in example_groups.values()} == {30}
    assert {g["Properties"]["RetentionInDays"] for g in partner_groups.values()} == {90}


def test_the_skill_is_invocable_by_this_alexa_skill_only(service: assertions.Template) -> None:
    skill = functions_by_service(service)["alexa-skill"]
    (alias_id,) = service.find_resources("AWS::Lambda::Alias")
    service.has_resource_properties(
        "AWS::Lambda::Permission",
        {
            "Action": "lambda:InvokeFunction",
            "Principal": "alexa-connectedhome.amazon.com",
            "EventSourceToken": "amzn1.ask.skill.00000000-0000-0000-0000-000000000000",
            "FunctionName": {"Ref": alias_id},
        },
    )
    assert skill["Properties"]["Timeout"] <= 6


def test_alexa_calls_a_snapstart_version_of_the_skill(service: assertions.Template) -> None:
    skill = functions_by_service(service)["alexa-skill"]
    assert skill["Properties"]["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    versions = service.find_resources("AWS::Lambda::Version")
    (version_id,) = [
        k for k, v in versions.items() if v["Properties"]["FunctionName"] == {"Ref": skill["id"]}
    ]
    aliases = service.find_resources("AWS::Lambda::Alias")
    (alias,) = aliases.values()
    assert alias["Properties"]["FunctionVersion"] == {"Fn::GetAtt": [version_id, "Version"]}
    others = [f for name, f in functions_by_service(service).items() if name != "alexa-skill"]
    assert all("SnapStart" not in f["Properties"] for f in others)


def test_the_skill_identity_points_at_the_chosen_provider(
    service: assertions.Template, partner: assertions.Template
) -> None:
    service.resource_count_is("AWS::Cognito::UserPool", 1)
    client = service.find_resources("AWS::Cognito::UserPoolClient")
    (client_id,) = client
    props = next(iter(client.values()))["Properties"]
    assert props["AllowedOAuthFlows"] == ["code"]
    assert props["GenerateSecret"] is True
    assert "https://pitangui.amazon.com/api/skill/link/M0EXAMPLE00000" in props["CallbackURLs"]
    env = functions_by_service(service)["alexa-skill"]["Properties"]["Environment"]["Variables"]
    assert env["IDENTITY_AUDIENCE"] == {"Ref": client_id}
    assert "cognito-idp.us-east-1.amazonaws.com/" in str(env["IDENTITY_ISSUER"])
    assert env["SKILL_DEADLINE_SECONDS"] == "4.5"

    partner.resource_count_is("AWS::Cognito::UserPool", 0)
    partner_env = functions_by_service(partner)["alexa-skill"]["Properties"]["Environment"]["Variables"]
    assert partner_env["IDENTITY_ISSUER"] == OIDC["issuer"]
    assert partner_env["IDENTITY_AUDIENCE"] == OIDC["audience"]
    assert partner_env["IDENTITY_JWKS_URL"] == OIDC["jwks_url"]


def test_device_events_reach_the_lifecycle_function_through_an_encrypted_queue(
    partner: assertions.Template,
) -> None:
    queues = partner.find_resources("AWS::SQS::Queue")
    # The lifecycle, presence, detections and Alexa events queues share these settings.
    redriven = [q for q in queues.values() if "RedrivePolicy" in q["Properties"]]
    assert len(redriven) == 4
    for queue in redriven:
        assert queue["Properties"]["RedrivePolicy"]["maxReceiveCount"] == queue_schema.MAX_RECEIVE_COUNT
        assert queue["Properties"]["VisibilityTimeout"] == queue_schema.VISIBILITY_TIMEOUT_SECONDS
    for q in queues.values():
        assert q["Properties"]["SqsManagedSseEnabled"] is True
    for dlq in [q for q in queues.values() if "RedrivePolicy" not in q["Properties"]]:
        assert dlq["Properties"]["MessageRetentionPeriod"] == queue_schema.DLQ_RETENTION_SECONDS
    (bus_id,) = partner.find_resources(
        "AWS::Events::EventBus", {"Properties": {"Name": "partner-device-events"}}
    )
    partner.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventBusName": {"Ref": bus_id},
            "EventPattern": {
                "source": ["acme.devices"],
                "detail-type": ["DeviceRegistered", "DeviceUpdated", "DeviceDeregistered"],
                "account": ["333333333333", "444444444444"],
            },
        },
    )
    lifecycle = functions_by_service(partner)["device-lifecycle"]
    assert lifecycle["Properties"]["Timeout"] == queue_schema.LIFECYCLE_FUNCTION_TIMEOUT_SECONDS
    variables = lifecycle["Properties"]["Environment"]["Variables"]
    assert variables["DEVICE_EVENT_SOURCE"] == "acme.devices"
    assert variables["DEVICE_EVENT_ACCOUNTS"] == "333333333333,444444444444"
    partner.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "FunctionName": {"Ref": lifecycle["id"]},
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
        },
    )


def test_rotation_runs_on_schedule_one_at_a_time_and_may_continue_itself(
    partner: assertions.Template,
) -> None:
    rotation = functions_by_service(partner)["tag-rotation"]
    props = rotation["Properties"]
    assert props["ReservedConcurrentExecutions"] == 1
    assert props["Timeout"] == 900
    assert props["FunctionName"] == "partner-camera-tag-rotation"
    env = props["Environment"]["Variables"]
    assert env["ROTATION_MAX_TPS"] == "20"
    assert "Fn::ImportValue" in env["ROTATION_STATE_TABLE_NAME"]
    partner.has_resource_properties(
        "AWS::Events::Rule",
        {
            "ScheduleExpression": "cron(0 3 * * ? *)",
            "Targets": [assertions.Match.object_like({"Arn": {"Fn::GetAtt": [rotation["id"], "Arn"]}})],
        },
    )
    invoke = [s for s in role_statements(partner, rotation) if s["Action"] == "lambda:InvokeFunction"]
    assert len(invoke) == 1
    assert "function:partner-camera-tag-rotation" in str(invoke[0]["Resource"])


def test_a_lost_continuation_lands_in_an_alarmed_queue(partner: assertions.Template) -> None:
    # A continuation (or scheduled run) that fails Lambda's retries, or waits past its maximum
    # age behind the reserved concurrency of 1, is kept in a queue whose first message alarms.
    rotation = functions_by_service(partner)["tag-rotation"]
    configs = partner.find_resources(
        "AWS::Lambda::EventInvokeConfig", {"Properties": {"FunctionName": {"Ref": rotation["id"]}}}
    )
    assert len(configs) == 1
    config = next(iter(configs.values()))["Properties"]
    assert config["MaximumEventAgeInSeconds"] == 3600 and config["MaximumRetryAttempts"] == 2
    queue_id = config["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
    queue = partner.find_resources("AWS::SQS::Queue")[queue_id]["Properties"]
    assert queue["SqsManagedSseEnabled"] is True and queue["MessageRetentionPeriod"] == 14 * 24 * 3600
    send = [s for s in role_statements(partner, rotation) if "sqs:SendMessage" in str(s["Action"])]
    assert len(send) == 1 and send[0]["Resource"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    alarms = partner.find_resources(
        "AWS::CloudWatch::Alarm",
        {
            "Properties": {
                "MetricName": "ApproximateNumberOfMessagesVisible",
                "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}],
            }
        },
    )
    assert len(alarms) == 1
    alarm = next(iter(alarms.values()))["Properties"]
    assert alarm["Threshold"] == 1 and alarm["AlarmActions"]


def test_device_config_is_an_iam_authorized_http_api(service: assertions.Template) -> None:
    config = functions_by_service(service)["device-config"]
    service.has_resource_properties(
        "AWS::ApiGatewayV2::Route", {"RouteKey": "GET /config", "AuthorizationType": "AWS_IAM"}
    )
    # And POST /media (IAM), GET /media/{ref} (the bearer token): tests/infra/test_detections.py.
    service.resource_count_is("AWS::ApiGatewayV2::Route", 3)
    service.has_resource_properties(
        "AWS::ApiGatewayV2::Integration",
        {"IntegrationType": "AWS_PROXY", "PayloadFormatVersion": "2.0"},
    )
    service.has_resource_properties(
        "AWS::ApiGatewayV2::Stage",
        {"StageName": "$default", "AccessLogSettings": assertions.Match.object_like({})},
    )
    roles = service.find_resources(
        "AWS::IAM::Role",
        {
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Statement": [
                        assertions.Match.object_like(
                            {"Principal": {"Service": "credentials.iot.amazonaws.com"}}
                        )
                    ]
                }
            }
        },
    )
    (camera_role,) = roles
    policies = [
        p
        for p in service.find_resources("AWS::IAM::Policy").values()
        if {"Ref": camera_role} in p["Properties"]["Roles"]
    ]
    statements = [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]
    assert [s["Action"] for s in statements] == ["execute-api:Invoke", "kinesisvideo:ConnectAsMaster"]
    assert statements[0]["Resource"][0]["Fn::Join"][1][-1] == "/$default/GET/config"
    assert statements[1]["Resource"]["Fn::Join"][1][-1].endswith(
        ":channel/alexa-cam-${credentials-iot:ThingName}/*"
    )
    assert config["Properties"]["Environment"]["Variables"]["CAMERA_ROLE_NAME"] == {"Ref": camera_role}
    assert config["Properties"]["Timeout"] <= 29  # the HTTP API integration limit


def test_only_this_stack_s_role_alias_may_have_iot_assume_the_camera_role(
    partner: assertions.Template,
) -> None:
    # AWS's confused-deputy guidance: the IoT credentials provider assumes the role on behalf of
    # a role alias; without SourceAccount/SourceArn any account's alias pointing here would do.
    (alias,) = partner.find_resources("AWS::IoT::RoleAlias").values()
    alias_name = alias["Properties"]["RoleAlias"]
    assert alias_name == "partner-camera-signaling"
    camera_role = alias["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    trust = partner.find_resources("AWS::IAM::Role")[camera_role]["Properties"]["AssumeRolePolicyDocument"]
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "credentials.iot.amazonaws.com"}
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "222222222222"},
        "ArnEquals": {
            "aws:SourceArn": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        f":iot:eu-west-1:222222222222:rolealias/{alias_name}",
                    ],
                ]
            }
        },
    }


def test_device_config_takes_only_sessions_in_the_stages_own_account(
    stages: dict[str, SignalingStage], service: assertions.Template, partner: assertions.Template
) -> None:
    for name, stack in (("example", service), ("partner", partner)):
        variables = functions_by_service(stack)["device-config"]["Properties"]["Environment"]["Variables"]
        account = stages[name].service.account
        assert account.isdigit() and len(account) == 12
        assert variables["CAMERA_ACCOUNT_ID"] == account


EXPECTED_KVS = {
    "alexa-skill": {"kinesisvideo:GetSignalingChannelEndpoint", "kinesisvideo:SendAlexaOfferToMaster"},
    "device-lifecycle": {
        f"kinesisvideo:{a}"
        for a in (
            "CreateSignalingChannel",
            "DescribeSignalingChannel",
            "UpdateSignalingChannel",
            "DeleteSignalingChannel",
            "TagResource",
            "UntagResource",
            "ListTagsForResource",
            "GetSignalingChannelEndpoint",
        )
    },
    "tag-rotation": {
        "kinesisvideo:ListSignalingChannels",
        "kinesisvideo:ListTagsForResource",
        "kinesisvideo:TagResource",
        "kinesisvideo:UntagResource",
    },
    "device-config": {
        "kinesisvideo:GetSignalingChannelEndpoint",
        "kinesisvideo:GetIceServerConfig",
        "kinesisvideo:DescribeSignalingChannel",
    },
    "alexa-events": set(),
    "device-presence": set(),
    "presence-sweep": set(),
    "detections": set(),
    "media": set(),
}
EXPECTED_DYNAMODB = {
    # GetItem and Query on the registry, PutItem on the grants table (AcceptGrant); the detections
    # table's (tests/infra/test_detections.py).
    "alexa-skill": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem"},
    # The registry; and the placement table: its slot and counters, written in transactions.
    "device-lifecycle": {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:BatchGetItem",
        "dynamodb:DeleteItem",
    },
    "tag-rotation": {"dynamodb:Scan", "dynamodb:GetItem", "dynamodb:PutItem"},
    "device-config": {"dynamodb:GetItem", "dynamodb:UpdateItem"},
    "alexa-events": {"dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"},
    "device-presence": {"dynamodb:GetItem", "dynamodb:UpdateItem"},
    "presence-sweep": {"dynamodb:Query", "dynamodb:GetItem", "dynamodb:UpdateItem"},
    "detections": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"},
    "media": {"dynamodb:GetItem"},
}


@pytest.mark.parametrize("name", sorted(EXPECTED_KVS))
def test_each_function_gets_only_its_actions(partner: assertions.Template, name: str) -> None:
    statements = role_statements(partner, functions_by_service(partner)[name])
    assert actions_of(statements, "kinesisvideo") == EXPECTED_KVS[name]
    assert actions_of(statements, "dynamodb") == EXPECTED_DYNAMODB[name]
    assert not [s for s in statements if "*" in str(s["Action"])]


@pytest.mark.parametrize("name", sorted(EXPECTED_KVS))
def test_kvs_actions_are_scoped_to_the_channel_prefix(partner: assertions.Template, name: str) -> None:
    pattern = ":kinesisvideo:eu-west-1:222222222222:channel/cam-*/*"
    for statement in role_statements(partner, functions_by_service(partner)[name]):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if not any(a.startswith("kinesisvideo:") for a in actions):
            continue
        kvs = [a for a in actions if a.startswith("kinesisvideo:")]
        if statement["Resource"] == "*":
            # The only KVS action that accepts no narrower resource (the rest are X-Ray writes).
            assert kvs == ["kinesisvideo:ListSignalingChannels"]
        else:
            assert pattern in str(statement["Resource"]), statement


def test_the_skill_queries_only_the_owner_index(service: assertions.Template) -> None:
    statements = role_statements(service, functions_by_service(service)["alexa-skill"])
    # On the registry; the detections table has no index (its own queries: test_detections.py).
    (query,) = [s for s in statements if "dynamodb:Query" in s["Action"] and "Registry" in str(s["Resource"])]
    assert f"/index/{registry_schema.OWNER_INDEX}" in str(query["Resource"])
    assert "/index/*" not in str(query["Resource"])


def test_the_sweep_queries_only_its_index(service: assertions.Template) -> None:
    statements = role_statements(service, functions_by_service(service)["presence-sweep"])
    (query,) = [s for s in statements if "dynamodb:Query" in s["Action"]]
    assert f"/index/{registry_schema.SWEEP_INDEX}" in str(query["Resource"])
    assert "/index/*" not in str(query["Resource"])


def test_the_registry_table_matches_the_code_definition(stateful: assertions.Template) -> None:
    expected = registry_schema.create_table_kwargs("unused")
    tables = stateful.find_resources(
        "AWS::DynamoDB::Table", {"Properties": {"KeySchema": expected["KeySchema"]}}
    )
    (table,) = tables.values()
    props = table["Properties"]
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"
    assert props["BillingMode"] == expected["BillingMode"]
    assert props["DeletionProtectionEnabled"] is True
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["TimeToLiveSpecification"] == {"AttributeName": registry_schema.EXPIRES_AT, "Enabled": True}
    assert sorted(props["AttributeDefinitions"], key=str) == sorted(expected["AttributeDefinitions"], key=str)
    indexes = [
        {"IndexName": i["IndexName"], "KeySchema": i["KeySchema"], "Projection": i["Projection"]}
        for i in props["GlobalSecondaryIndexes"]
    ]
    assert indexes == expected["GlobalSecondaryIndexes"]


def test_the_rotation_state_table_matches_the_code_definition(stateful: assertions.Template) -> None:
    expected = rotation_state_schema.create_table_kwargs("unused")
    stateful.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "KeySchema": expected["KeySchema"],
            "AttributeDefinitions": expected["AttributeDefinitions"],
            "BillingMode": expected["BillingMode"],
            "TimeToLiveSpecification": {"AttributeName": rotation_state_schema.EXPIRES_AT, "Enabled": True},
        },
    )


def test_alarms_watch_dead_letters_errors_throttles_and_latency(service: assertions.Template) -> None:
    alarms = service.find_resources("AWS::CloudWatch::Alarm")
    metrics = [a["Properties"].get("MetricName") for a in alarms.values()]
    assert metrics.count("Errors") == 9
    assert metrics.count("Throttles") == 9
    # lifecycle, Alexa events, presence and detections; rotation's lost continuations
    assert metrics.count("ApproximateNumberOfMessagesVisible") == 5
    assert metrics.count("GatewayFailures") == 1
    service.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "MetricName": "OfferToAnswerLatency",
            "Namespace": "AlexaCameraSignaling",
            "Dimensions": [
                {"Name": "Directive", "Value": "InitiateSessionWithOffer"},
                {"Name": "service", "Value": "alexa-skill"},
            ],
            "ExtendedStatistic": "p99",
            "Threshold": 4500,
        },
    )
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"], "every alarm notifies the topic"
    service.resource_count_is("AWS::CloudWatch::Dashboard", 1)


def _bus_statements(t: assertions.Template) -> dict[str, dict[str, Any]]:
    policies = t.find_resources("AWS::Events::EventBusPolicy")
    return {p["Properties"]["Statement"]["Sid"]: p["Properties"]["Statement"] for p in policies.values()}


def test_only_the_configured_publishers_may_put_device_events(partner: assertions.Template) -> None:
    statements = _bus_statements(partner)
    allow = statements["cdk-PublishersPutDeviceEvents"]
    assert allow["Effect"] == "Allow" and allow["Action"] == "events:PutEvents"
    principals = json.dumps(allow["Principal"])
    assert "333333333333" in principals and "arn:aws:iam::444444444444:role/camera-registry" in principals
    assert allow["Condition"] == {"StringEquals": {"events:source": "acme.devices"}}
    deny = statements["cdk-OnlyPublishers"]
    assert (deny["Effect"], deny["Principal"], deny["Action"]) == ("Deny", {"AWS": "*"}, "events:PutEvents")
    assert deny["Condition"] == {
        "StringNotEquals": {"aws:PrincipalAccount": ["333333333333"]},
        "ArnNotLike": {"aws:PrincipalArn": ["arn:aws:iam::444444444444:role/camera-registry"]},
    }


def test_by_default_only_the_stage_account_publishes_device_events(service: assertions.Template) -> None:
    deny = _bus_statements(service)["cdk-OnlyPublishers"]
    assert deny["Condition"] == {"StringNotEquals": {"aws:PrincipalAccount": ["111111111111"]}}
    service.has_resource_properties(
        "AWS::Events::Rule", {"EventPattern": assertions.Match.object_like({"account": ["111111111111"]})}
    )
    variables = functions_by_service(service)["device-lifecycle"]["Properties"]["Environment"]["Variables"]
    assert variables["DEVICE_EVENT_ACCOUNTS"] == "111111111111"


def test_no_stack_carries_a_warning(stages: dict[str, SignalingStage]) -> None:
    # `make synth` runs `cdk synth --strict`, which refuses any; an accepted one is acknowledged
    # with its reason where it is raised.
    for stage in stages.values():
        for stack in (stage.stateful, stage.service):
            annotations = assertions.Annotations.from_stack(stack)
            warnings = annotations.find_warning("*", assertions.Match.any_value())
            assert warnings == [], [(w.id, w.entry.data) for w in warnings]
