"""The outbound Alexa path in the synthesized stacks: queue, DLQ, function, grants, key, secret."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import assertions

from functions.common.alexa import grants_schema
from tests.infra.test_stacks import functions_by_service, role_statements, service, stages, stateful

__all__ = ["service", "stages", "stateful"]  # module fixtures shared with test_stacks


def test_the_grants_table_is_retained_with_pitr_and_the_customer_managed_key(
    stateful: assertions.Template,
) -> None:
    (key_id,) = stateful.find_resources("AWS::KMS::Key")
    stateful.has_resource(
        "AWS::KMS::Key",
        {
            "Properties": {"EnableKeyRotation": True},
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )
    stateful.has_resource(
        "AWS::DynamoDB::Table",
        {
            "Properties": {
                "KeySchema": [{"AttributeName": grants_schema.PARTITION_KEY, "KeyType": "HASH"}],
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                "DeletionProtectionEnabled": True,
                "SSESpecification": {
                    "SSEEnabled": True,
                    "SSEType": "KMS",
                    "KMSMasterKeyId": {"Fn::GetAtt": [key_id, "Arn"]},
                },
            },
            "DeletionPolicy": "Retain",
        },
    )
    stateful.has_resource(
        "AWS::SecretsManager::Secret",
        {"Properties": {"KmsKeyId": {"Fn::GetAtt": [key_id, "Arn"]}}, "DeletionPolicy": "Retain"},
    )


def test_the_events_function_drains_its_queue_with_partial_batch_failures(
    service: assertions.Template,
) -> None:
    events = functions_by_service(service)["alexa-events"]
    variables = events["Properties"]["Environment"]["Variables"]
    assert {"GRANTS_TABLE_NAME", "ALEXA_CLIENT_SECRET_ID", "REGISTRY_TABLE_NAME"} <= set(variables)
    assert events["Properties"]["Handler"] == "functions.alexa_events.handler.handler"
    service.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "FunctionName": {"Ref": events["id"]},
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "BatchSize": 5,
        },
    )
    queues = service.find_resources("AWS::SQS::Queue")
    with_dlq = [q for q in queues.values() if "RedrivePolicy" in q["Properties"]]
    assert len(with_dlq) == 4  # lifecycle, presence, detections and Alexa events
    for queue in queues.values():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True


def _actions(statements: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    for s in statements:
        found.update(s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    return found


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "alexa-events",
            {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "secretsmanager:GetSecretValue"},
        ),
        (
            "alexa-skill",
            {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "secretsmanager:GetSecretValue"},
        ),
    ],
)
def test_key_and_secret_rights_are_scoped_to_this_key_and_secret(
    service: assertions.Template, name: str, expected: set[str]
) -> None:
    statements = role_statements(service, functions_by_service(service)[name])
    scoped = [s for s in statements if any(a.startswith(("kms:", "secretsmanager:")) for a in _actions([s]))]
    assert _actions(scoped) == expected
    for statement in scoped:
        assert "*" not in str(statement["Resource"])


def test_only_lifecycle_presence_and_detections_may_send_to_the_events_queue(
    service: assertions.Template,
) -> None:
    functions = functions_by_service(service)
    (mapping,) = service.find_resources(
        "AWS::Lambda::EventSourceMapping",
        {"Properties": {"FunctionName": {"Ref": functions["alexa-events"]["id"]}}},
    ).values()
    events_queue = mapping["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]
    senders = [
        name
        for name, f in functions.items()
        for s in role_statements(service, f)
        if "sqs:SendMessage" in _actions([s]) and s["Resource"] == {"Fn::GetAtt": [events_queue, "Arn"]}
    ]
    assert sorted(senders) == ["detections", "device-lifecycle", "device-presence", "presence-sweep"]
    for sender in senders:
        assert "ALEXA_EVENTS_QUEUE_URL" in functions[sender]["Properties"]["Environment"]["Variables"]
