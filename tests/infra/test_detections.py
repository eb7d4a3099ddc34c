"""Detections and snapshots in the synthesized stacks: the media bucket and the detections table,
the rule, queue and function of the detection events, the media endpoint and the upload route,
each function's settings and its grants on the table and the images, nothing more."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import assertions

from functions.common.detections import schema as detections_schema
from infra.stage import SignalingStage
from tests.infra.test_stacks import (
    functions_by_service,
    partner,
    role_statements,
    service,
    stages,
    stateful,
    template,
)

__all__ = ["partner", "service", "stages", "stateful"]  # module fixtures shared with test_stacks

EXAMPLE_BUCKET = "example-camera-media-111111111111-us-east-1"
PARTNER_BUCKET = "partner-camera-media-222222222222-eu-west-1"
MEDIA_SETTINGS = {
    "MEDIA_BUCKET_NAME",
    "DETECTIONS_TABLE_NAME",
    "MEDIA_URL_BASE",
    "SNAPSHOT_URI_TTL_SECONDS",
    "DETECTION_RETENTION_DAYS",
}


@pytest.fixture(scope="module")
def partner_stateful(stages: dict[str, SignalingStage]) -> assertions.Template:
    return template(stages, "partner", "stateful")


def _bucket(t: assertions.Template, name: str) -> tuple[str, dict[str, Any]]:
    (found,) = t.find_resources("AWS::S3::Bucket", {"Properties": {"BucketName": name}}).items()
    return found


def _detections_table(t: assertions.Template) -> tuple[str, dict[str, Any]]:
    expected = detections_schema.create_table_kwargs("unused")
    (found,) = t.find_resources(
        "AWS::DynamoDB::Table", {"Properties": {"KeySchema": expected["KeySchema"]}}
    ).items()
    return found


def _variables(t: assertions.Template, name: str) -> dict[str, Any]:
    variables: dict[str, Any] = functions_by_service(t)[name]["Properties"]["Environment"]["Variables"]
    return variables


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _grants(t: assertions.Template, name: str, prefix: str) -> dict[str, list[Any]]:
    """The function's actions of one service, each with every resource it is allowed on."""
    found: dict[str, list[Any]] = {}
    for statement in role_statements(t, functions_by_service(t)[name]):
        assert statement["Effect"] == "Allow"
        for action in _as_list(statement["Action"]):
            if action.startswith(f"{prefix}:"):
                found.setdefault(action, []).extend(_as_list(statement["Resource"]))
    return found


def _images(bucket: str) -> dict[str, Any]:
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":s3:::{bucket}/media/*"]]}


def test_the_media_bucket_is_private_tls_only_encrypted_and_expires_with_the_retention(
    stateful: assertions.Template, partner_stateful: assertions.Template
) -> None:
    for t, name, days in ((stateful, EXAMPLE_BUCKET, 30), (partner_stateful, PARTNER_BUCKET, 7)):
        bucket_id, bucket = _bucket(t, name)
        props = bucket["Properties"]
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        (encryption,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
        # Images outlive their detection by one day: the references naming them answer 410 that long.
        (rule,) = props["LifecycleConfiguration"]["Rules"]
        assert (rule["Status"], rule["ExpirationInDays"]) == ("Enabled", days + 1)
        assert "VersioningConfiguration" not in props  # a deleted image is gone, no old version kept
        assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
        (policy,) = t.find_resources(
            "AWS::S3::BucketPolicy", {"Properties": {"Bucket": {"Ref": bucket_id}}}
        ).values()
        (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
        assert statement["Effect"] == "Deny" and statement["Principal"] == {"AWS": "*"}
        assert statement["Action"] == "s3:*"
        assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_detections_table_matches_the_code_definition_and_expires_items(
    stateful: assertions.Template,
) -> None:
    expected = detections_schema.create_table_kwargs("unused")
    _, table = _detections_table(stateful)
    props = table["Properties"]
    assert sorted(props["AttributeDefinitions"], key=str) == sorted(expected["AttributeDefinitions"], key=str)
    assert props["BillingMode"] == expected["BillingMode"]
    ttl = detections_schema.time_to_live_kwargs("unused")["TimeToLiveSpecification"]
    assert props["TimeToLiveSpecification"] == {"AttributeName": ttl["AttributeName"], "Enabled": True}
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"] == {"SSEEnabled": True}
    assert props["DeletionProtectionEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"


def test_detection_events_from_the_trusted_publishers_reach_the_detections_function(
    partner: assertions.Template,
) -> None:
    detections = functions_by_service(partner)["detections"]
    assert detections["Properties"]["Handler"] == "functions.detections.handler.handler"
    (bus_id,) = partner.find_resources(
        "AWS::Events::EventBus", {"Properties": {"Name": "partner-device-events"}}
    )
    (rule,) = [
        r["Properties"]
        for r in partner.find_resources("AWS::Events::Rule").values()
        if "ObjectDetected" in str(r["Properties"].get("EventPattern"))
    ]
    assert rule["EventBusName"] == {"Ref": bus_id}
    # The same source and publisher accounts as presence and the lifecycle.
    assert rule["EventPattern"] == {
        "source": ["acme.devices"],
        "detail-type": ["ObjectDetected", "SnapshotTaken", "DetectionsDeleted"],
        "account": ["333333333333", "444444444444"],
    }
    (target,) = rule["Targets"]
    queue_id = target["Arn"]["Fn::GetAtt"][0]
    (mapping,) = [
        m["Properties"]
        for m in partner.find_resources("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": detections["id"]}
    ]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    queue = partner.find_resources("AWS::SQS::Queue")[queue_id]["Properties"]
    dead_letters_id = queue["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
    assert queue["SqsManagedSseEnabled"] is True
    alarms = partner.find_resources(
        "AWS::CloudWatch::Alarm",
        {
            "Properties": {
                "MetricName": "ApproximateNumberOfMessagesVisible",
                "Dimensions": [
                    {"Name": "QueueName", "Value": {"Fn::GetAtt": [dead_letters_id, "QueueName"]}}
                ],
            }
        },
    )
    assert len(alarms) == 1
    for name in ("detections", "media"):
        function_id = functions_by_service(partner)[name]["id"]
        errors = partner.find_resources(
            "AWS::CloudWatch::Alarm",
            {
                "Properties": {
                    "MetricName": "Errors",
                    "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": function_id}}],
                }
            },
        )
        assert len(errors) == 1


def test_images_are_served_without_iam_and_uploads_granted_only_to_the_camera_role(
    service: assertions.Template,
) -> None:
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in service.find_resources("AWS::ApiGatewayV2::Route").values()
    }
    assert set(routes) == {"GET /config", "POST /media", "GET /media/{ref}"}
    assert routes["GET /media/{ref}"]["AuthorizationType"] == "NONE"
    assert routes["POST /media"]["AuthorizationType"] == "AWS_IAM"
    assert routes["POST /media"]["Target"] == routes["GET /config"]["Target"]  # the device config function
    integrations = service.find_resources("AWS::ApiGatewayV2::Integration")
    media_integration = routes["GET /media/{ref}"]["Target"]["Fn::Join"][1][1]["Ref"]
    media = functions_by_service(service)["media"]
    assert media["Properties"]["Handler"] == "functions.media.handler.handler"
    assert integrations[media_integration]["Properties"]["IntegrationUri"] == {
        "Fn::GetAtt": [media["id"], "Arn"]
    }
    (camera_role,) = service.find_resources(
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
    statements = [
        s
        for p in service.find_resources("AWS::IAM::Policy").values()
        if {"Ref": camera_role} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    (invoke,) = [s for s in statements if s["Action"] == "execute-api:Invoke"]
    paths = sorted(r["Fn::Join"][1][-1] for r in invoke["Resource"])
    assert paths == ["/$default/GET/config", "/$default/POST/media"]


def test_each_function_touching_media_has_the_settings(
    service: assertions.Template, partner: assertions.Template
) -> None:
    api_endpoint = {
        "Fn::GetAtt": [next(iter(service.find_resources("AWS::ApiGatewayV2::Api"))), "ApiEndpoint"]
    }
    for name in ("detections", "media", "alexa-skill", "device-config"):
        variables = _variables(service, name)
        assert set(variables) >= MEDIA_SETTINGS, name
        assert variables["MEDIA_BUCKET_NAME"] == EXAMPLE_BUCKET
        assert variables["MEDIA_URL_BASE"] == api_endpoint  # image URIs are {API URL}/media/{ref}
        assert "Fn::ImportValue" in variables["DETECTIONS_TABLE_NAME"]
        assert (variables["SNAPSHOT_URI_TTL_SECONDS"], variables["DETECTION_RETENTION_DAYS"]) == ("600", "30")
        partner_variables = _variables(partner, name)
        assert partner_variables["MEDIA_BUCKET_NAME"] == PARTNER_BUCKET
        assert (
            partner_variables["SNAPSHOT_URI_TTL_SECONDS"],
            partner_variables["DETECTION_RETENTION_DAYS"],
        ) == (
            "300",
            "7",
        )
    for name in ("alexa-events", "device-lifecycle", "device-presence", "presence-sweep", "tag-rotation"):
        assert not MEDIA_SETTINGS & set(_variables(service, name)), name
    detections = _variables(partner, "detections")
    assert detections["DEVICE_EVENT_SOURCE"] == "acme.devices"
    assert detections["DEVICE_EVENT_ACCOUNTS"] == "333333333333,444444444444"
    assert "ALEXA_EVENTS_QUEUE_URL" in detections
    # The media endpoint checks tokens exactly as the skill does: the same identity settings.
    for stack in (service, partner):
        skill, media = _variables(stack, "alexa-skill"), _variables(stack, "media")
        for variable in ("IDENTITY_ISSUER", "IDENTITY_AUDIENCE", "IDENTITY_JWKS_URL"):
            assert media[variable] == skill[variable]


EXPECTED_S3 = {
    # HEAD an upload before recording it (s3:GetObject), delete what the maker deleted.
    "detections": {"s3:GetObject", "s3:DeleteObject"},
    "media": {"s3:GetObject"},
    # A presigned POST is the function's own PutObject.
    "device-config": {"s3:PutObject"},
    # DeleteData deletes the images with the rows.
    "alexa-skill": {"s3:DeleteObject"},
}
EXPECTED_DETECTIONS_TABLE = {
    "detections": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"},
    "media": {"dynamodb:GetItem"},
    "device-config": set(),
    "alexa-skill": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:DeleteItem"},
}


@pytest.mark.parametrize("name", sorted(EXPECTED_S3))
def test_each_function_gets_only_its_rights_on_the_images_and_the_table(
    partner: assertions.Template, partner_stateful: assertions.Template, name: str
) -> None:
    s3 = _grants(partner, name, "s3")
    assert set(s3) == EXPECTED_S3[name]
    for resources in s3.values():
        assert resources == [_images(PARTNER_BUCKET)]  # objects under media/ only, never the bucket
    table_id, _ = _detections_table(partner_stateful)
    on_table = {
        action
        for action, resources in _grants(partner, name, "dynamodb").items()
        if any(table_id in str(r) for r in resources)
    }
    assert on_table == EXPECTED_DETECTIONS_TABLE[name]
    for resources in _grants(partner, name, "dynamodb").values():
        assert "/index/" not in str([r for r in resources if table_id in str(r)])


def test_the_detections_function_reads_the_registry_and_sends_only_to_the_events_queue(
    service: assertions.Template,
) -> None:
    dynamodb = _grants(service, "detections", "dynamodb")
    registry = [r for r in dynamodb["dynamodb:GetItem"] if "Registry" in str(r)]
    assert len(registry) == 1
    assert not any("Registry" in str(r) for a, rs in dynamodb.items() if a != "dynamodb:GetItem" for r in rs)
    media = _grants(service, "media", "dynamodb")
    assert set(media) == {"dynamodb:GetItem"}  # the reference and the camera's current owner
    (send,) = _grants(service, "detections", "sqs")["sqs:SendMessage"]
    events_queue = send["Fn::GetAtt"][0]
    assert events_queue.startswith("AlexaEvents")
    assert _variables(service, "detections")["ALEXA_EVENTS_QUEUE_URL"] == {"Ref": events_queue}
