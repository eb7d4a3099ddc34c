"""Presence in the synthesized stacks: its own rule and queue, the function's batching, the sweep,
and the IoT Core topic rule only where the stage asks for it."""

from __future__ import annotations

from aws_cdk import assertions

from functions.common.queue_schema import PRESENCE_BATCH_SIZE, PRESENCE_MAX_BATCHING_WINDOW_SECONDS
from tests.infra.test_stacks import functions_by_service, partner, service, stages

__all__ = ["partner", "service", "stages"]  # module fixtures shared with test_stacks


def _queue_of_mapping(t: assertions.Template, function_id: str) -> str:
    (mapping,) = [
        m["Properties"]
        for m in t.find_resources("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": function_id}
    ]
    assert mapping["BatchSize"] == PRESENCE_BATCH_SIZE
    assert mapping.get("MaximumBatchingWindowInSeconds", 0) == PRESENCE_MAX_BATCHING_WINDOW_SECONDS
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    queue_id: str = mapping["EventSourceArn"]["Fn::GetAtt"][0]
    return queue_id


def test_presence_events_have_their_own_rule_queue_and_function(service: assertions.Template) -> None:
    functions = functions_by_service(service)
    presence = functions["device-presence"]
    assert presence["Properties"]["Handler"] == "functions.device_presence.handler.handler"
    variables = presence["Properties"]["Environment"]["Variables"]
    assert {"ALEXA_EVENTS_QUEUE_URL", "REGISTRY_TABLE_NAME", "DEVICE_EVENT_SOURCE"} <= set(variables)
    queue_id = _queue_of_mapping(service, presence["id"])
    queue = service.find_resources("AWS::SQS::Queue")[queue_id]["Properties"]
    assert "deadLetterTargetArn" in queue["RedrivePolicy"]
    rules = [
        r["Properties"]
        for r in service.find_resources("AWS::Events::Rule").values()
        if "EventPattern" in r["Properties"]
    ]
    presence_rule = next(r for r in rules if "DoorbellPressed" in r["EventPattern"]["detail-type"])
    assert sorted(presence_rule["EventPattern"]["detail-type"]) == [
        "DeviceConnected",
        "DeviceDisconnected",
        "DoorbellPressed",
    ]
    assert presence_rule["Targets"][0]["Arn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    lifecycle_rule = next(r for r in rules if "DeviceRegistered" in r["EventPattern"]["detail-type"])
    assert lifecycle_rule["EventBusName"] == presence_rule["EventBusName"]
    assert "DeviceConnected" not in lifecycle_rule["EventPattern"]["detail-type"]


def test_the_sweep_runs_on_a_schedule_with_the_window(service: assertions.Template) -> None:
    sweep = functions_by_service(service)["presence-sweep"]
    assert sweep["Properties"]["Handler"] == "functions.presence_sweep.handler.handler"
    assert sweep["Properties"]["Environment"]["Variables"]["CHECK_IN_WINDOW_SECONDS"] == "600"
    assert sweep["Properties"]["ReservedConcurrentExecutions"] == 1
    service.has_resource_properties(
        "AWS::Events::Rule",
        {
            "ScheduleExpression": "rate(1 minute)",
            "Targets": [assertions.Match.object_like({"Arn": {"Fn::GetAtt": [sweep["id"], "Arn"]}})],
        },
    )
    skill = functions_by_service(service)["alexa-skill"]
    assert "CHECK_IN_WINDOW_SECONDS" not in skill["Properties"]["Environment"]["Variables"]


def test_the_iot_core_rule_exists_only_when_the_stage_asks(
    service: assertions.Template, partner: assertions.Template
) -> None:
    service.resource_count_is("AWS::IoT::TopicRule", 0)
    (rule,) = partner.find_resources("AWS::IoT::TopicRule").values()
    payload = rule["Properties"]["TopicRulePayload"]
    assert payload["Sql"] == "SELECT * FROM '$aws/events/presence/+/+'"
    (action,) = payload["Actions"]
    queue_id = _queue_of_mapping(partner, functions_by_service(partner)["device-presence"]["id"])
    assert action["Sqs"]["QueueUrl"] == {"Ref": queue_id}
    assert action["Sqs"]["UseBase64"] is False


def test_only_this_stacks_presence_rule_may_have_iot_assume_its_role(partner: assertions.Template) -> None:
    # AWS's confused-deputy guidance: IoT assumes the role on behalf of a topic rule; without
    # SourceAccount/SourceArn any account's rule naming this role's ARN would do.
    (rule,) = partner.find_resources("AWS::IoT::TopicRule").values()
    rule_name = rule["Properties"]["RuleName"]
    assert rule_name == "partner_presence"
    (action,) = rule["Properties"]["TopicRulePayload"]["Actions"]
    role_id = action["Sqs"]["RoleArn"]["Fn::GetAtt"][0]
    trust = partner.find_resources("AWS::IAM::Role")[role_id]["Properties"]["AssumeRolePolicyDocument"]
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "iot.amazonaws.com"}
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "222222222222"},
        "ArnEquals": {
            "aws:SourceArn": {
                "Fn::Join": [
                    "",
                    ["arn:", {"Ref": "AWS::Partition"}, f":iot:eu-west-1:222222222222:rule/{rule_name}"],
                ]
            }
        },
    }
