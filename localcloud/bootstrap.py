"""Create the system's stateful resources in the current emulated AWS account.

Works inside `mock_aws()` and against a moto server (set AWS_ENDPOINT_URL). The table and queues
come from the same definitions the CDK stacks use, so local runs and deploys cannot drift.
"""

from __future__ import annotations

import boto3

from functions.common.config import MESSAGE_TTL_DEFAULT
from functions.common.queue_schema import dead_letter_attributes, queue_attributes
from functions.common.registry_schema import create_table_kwargs
from functions.common.rotation_state_schema import create_table_kwargs as rotation_state_table_kwargs
from functions.common.rotation_state_schema import time_to_live_kwargs

TABLE_NAME = "camera-registry"
QUEUE_NAME = "device-lifecycle"
DLQ_NAME = "device-lifecycle-dlq"
CHANNEL_NAME_PREFIX = "alexa-cam-"
DEVICE_EVENT_SOURCE = "camera.registry"
ROTATION_STATE_TABLE_NAME = "tag-rotation-state"


def create_resources(region: str = "us-east-1") -> dict[str, str]:
    """Create the registry and rotation state tables and the lifecycle queues; return the env."""
    dynamodb = boto3.client("dynamodb", region_name=region)
    sqs = boto3.client("sqs", region_name=region)
    tables = dynamodb.list_tables()["TableNames"]
    if TABLE_NAME not in tables:
        dynamodb.create_table(**create_table_kwargs(TABLE_NAME))
    if ROTATION_STATE_TABLE_NAME not in tables:
        dynamodb.create_table(**rotation_state_table_kwargs(ROTATION_STATE_TABLE_NAME))
        dynamodb.update_time_to_live(**time_to_live_kwargs(ROTATION_STATE_TABLE_NAME))
    dlq_url = sqs.create_queue(QueueName=DLQ_NAME, Attributes=dead_letter_attributes())["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    queue_url = sqs.create_queue(QueueName=QUEUE_NAME, Attributes=queue_attributes(dlq_arn))["QueueUrl"]
    return {
        "AWS_DEFAULT_REGION": region,
        "REGISTRY_TABLE_NAME": TABLE_NAME,
        "CHANNEL_NAME_PREFIX": CHANNEL_NAME_PREFIX,
        "MESSAGE_TTL_SECONDS": str(MESSAGE_TTL_DEFAULT),
        "DEVICE_EVENT_SOURCE": DEVICE_EVENT_SOURCE,
        "LIFECYCLE_QUEUE_URL": queue_url,
        "LIFECYCLE_DLQ_URL": dlq_url,
        "ROTATION_STATE_TABLE_NAME": ROTATION_STATE_TABLE_NAME,
    }
