"""Builders and readers for the lifecycle tests (test-only)."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from functions.device_lifecycle.events import DetailType
from functions.device_lifecycle.handler import handler
from localcloud.aws.device_events import device_event
from localcloud.aws.lambda_context import LambdaContext

ACCOUNT = "123456789012"  # moto's default account: the function's own
QUEUE_ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}:device-lifecycle"
BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)


def emitted_metrics(out: str) -> dict[str, float]:
    """Sum of every EMF metric a handler printed (its captured stdout)."""
    totals: dict[str, float] = {}
    for line in out.splitlines():
        if line.startswith('{"_aws"'):
            doc = json.loads(line)
            for metric in doc["_aws"]["CloudWatchMetrics"][0]["Metrics"]:
                values = doc[metric["Name"]]
                total = sum(values) if isinstance(values, list) else values
                totals[metric["Name"]] = totals.get(metric["Name"], 0) + total
    return totals


def lifecycle_context(timeout_s: float = 60.0) -> LambdaContext:
    return LambdaContext("device-lifecycle", timeout_s=timeout_s)


def event(
    detail_type: DetailType, device_id: str, at: int = 0, *, owner: str | None = "owner-1", **detail: Any
) -> dict[str, Any]:
    """A valid event `at` seconds after BASE_TIME (ownerId left out when owner is None)."""
    body: dict[str, Any] = {"deviceId": device_id, **detail}
    if owner is not None:
        body["ownerId"] = owner
    return device_event(detail_type, body, time=BASE_TIME + timedelta(seconds=at), account=ACCOUNT)


def sqs_record(
    body: str | dict[str, Any], message_id: str | None = None, receive_count: int = 1
) -> dict[str, Any]:
    text = body if isinstance(body, str) else json.dumps(body)
    return {
        "messageId": message_id or str(uuid.uuid4()),
        "receiptHandle": "handle-" + uuid.uuid4().hex,
        "body": text,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": "1767225600000",
            "SenderId": "AIDAEXAMPLE",
            "ApproximateFirstReceiveTimestamp": "1767225600000",
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(text.encode()).hexdigest(),  # noqa: S324 - SQS's own checksum
        "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE_ARN,
        "awsRegion": "us-east-1",
    }


def sqs_event(*bodies: str | dict[str, Any]) -> dict[str, Any]:
    return {"Records": [sqs_record(b) for b in bodies]}


def from_received(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The Lambda SQS event for messages from ReceiveMessage (what the event source mapping sends)."""
    records = []
    for m in messages:
        record = sqs_record(m["Body"], message_id=m["MessageId"])
        record["receiptHandle"] = m["ReceiptHandle"]
        record["attributes"].update(m.get("Attributes", {}))
        record["eventSourceARN"] = queue_arn
        records.append(record)
    return {"Records": records}


def run(*bodies: str | dict[str, Any], context: LambdaContext | None = None) -> list[str]:
    """Run the handler on one batch; the failed message ids."""
    batch = sqs_event(*bodies)
    response = handler(batch, context or lifecycle_context())
    return [f["itemIdentifier"] for f in response["batchItemFailures"]]


def run_ids(batch: dict[str, Any], context: LambdaContext | None = None) -> list[str]:
    response = handler(batch, context or lifecycle_context())
    return [f["itemIdentifier"] for f in response["batchItemFailures"]]


@dataclass(frozen=True)
class ChannelView:
    name: str
    arn: str
    status: str
    ttl: int
    tags: dict[str, str]


def channels(prefix: str = "alexa-cam-") -> dict[str, ChannelView]:
    """Every channel with the prefix, by name, with its tags and TTL."""
    kvs = boto3.client("kinesisvideo")
    found: dict[str, ChannelView] = {}
    kwargs: dict[str, Any] = {
        "ChannelNameCondition": {"ComparisonOperator": "BEGINS_WITH", "ComparisonValue": prefix}
    }
    while True:
        page = kvs.list_signaling_channels(**kwargs)
        for info in page["ChannelInfoList"]:
            tags: dict[str, str] = {}
            tag_kwargs: dict[str, Any] = {"ResourceARN": info["ChannelARN"]}
            while True:
                tag_page = kvs.list_tags_for_resource(**tag_kwargs)
                tags.update(tag_page.get("Tags", {}))
                if not tag_page.get("NextToken"):
                    break
                tag_kwargs["NextToken"] = tag_page["NextToken"]
            found[info["ChannelName"]] = ChannelView(
                name=info["ChannelName"],
                arn=info["ChannelARN"],
                status=info["ChannelStatus"],
                ttl=info["SingleMasterConfiguration"]["MessageTtlSeconds"],
                tags=tags,
            )
        if not page.get("NextToken"):
            return found
        kwargs["NextToken"] = page["NextToken"]
