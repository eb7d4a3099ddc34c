"""Create the system's stateful resources in the current emulated AWS account.

Works inside `mock_aws()` and against a moto server (set AWS_ENDPOINT_URL). The table and queues
come from the same definitions the CDK stacks use, so local runs and deploys cannot drift.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from typing import Any

import boto3

from functions.common.alexa.grants_schema import create_table_kwargs as grants_table_kwargs
from functions.common.alexa.lwa import ClientCredentials
from functions.common.cells.placement_schema import create_table_kwargs as placement_table_kwargs
from functions.common.detections.schema import create_table_kwargs as detections_table_kwargs
from functions.common.detections.schema import time_to_live_kwargs as detections_ttl_kwargs
from functions.common.queue_schema import dead_letter_attributes, queue_attributes
from functions.common.registry.rotation_state_schema import create_table_kwargs as rotation_state_table_kwargs
from functions.common.registry.rotation_state_schema import time_to_live_kwargs
from functions.common.registry.schema import create_table_kwargs
from functions.common.settings import MESSAGE_TTL_DEFAULT
from localcloud.aws import dynamodb_atomicity
from localcloud.aws.device_auth import DEVICE_ROLE

TABLE_NAME = "camera-registry"
QUEUE_NAME = "device-lifecycle"
DLQ_NAME = "device-lifecycle-dlq"
CHANNEL_NAME_PREFIX = "alexa-cam-"
DEVICE_EVENT_SOURCE = "camera.registry"
ROTATION_STATE_TABLE_NAME = "tag-rotation-state"
GRANTS_TABLE_NAME = "alexa-grants"
PLACEMENT_TABLE_NAME = "cell-placement"
EVENTS_QUEUE_NAME = "alexa-events"
EVENTS_DLQ_NAME = "alexa-events-dlq"
PRESENCE_QUEUE_NAME = "device-presence"
PRESENCE_DLQ_NAME = "device-presence-dlq"
DETECTIONS_QUEUE_NAME = "device-detections"
DETECTIONS_DLQ_NAME = "device-detections-dlq"
CLIENT_SECRET_NAME = "alexa-skill-messaging"  # noqa: S105 (the secret's name)
DETECTIONS_TABLE_NAME = "camera-detections"
MEDIA_BUCKET_NAME = "camera-media"
LOCAL_CLIENT_ID = "amzn1.application-oa2-client.localcloud"


def create_resources(region: str = "us-east-1", upload_origins: Sequence[str] = ()) -> dict[str, str]:
    """Create the tables (registry, rotation state, grants, cell placement, detections), the media
    bucket, the lifecycle, presence, detections and Alexa events queues with their dead-letter queues, and the
    skill's client secret; return the environment (MEDIA_URL_BASE is the runner's to set: it
    names where the media endpoint listens). Pages of `upload_origins` (the browser camera's) may
    upload to the media bucket with a presigned POST: its CORS rule lets them read S3's answer."""
    dynamodb = boto3.client("dynamodb", region_name=region)
    sqs = boto3.client("sqs", region_name=region)
    tables = dynamodb.list_tables()["TableNames"]
    if TABLE_NAME not in tables:
        dynamodb.create_table(**create_table_kwargs(TABLE_NAME))
    if ROTATION_STATE_TABLE_NAME not in tables:
        dynamodb.create_table(**rotation_state_table_kwargs(ROTATION_STATE_TABLE_NAME))
        dynamodb.update_time_to_live(**time_to_live_kwargs(ROTATION_STATE_TABLE_NAME))
    if GRANTS_TABLE_NAME not in tables:
        dynamodb.create_table(**grants_table_kwargs(GRANTS_TABLE_NAME))
    # Placement relies on DynamoDB applying each transaction atomically, which moto does not.
    dynamodb_atomicity.install()
    if PLACEMENT_TABLE_NAME not in tables:
        dynamodb.create_table(**placement_table_kwargs(PLACEMENT_TABLE_NAME))
    if DETECTIONS_TABLE_NAME not in tables:
        dynamodb.create_table(**detections_table_kwargs(DETECTIONS_TABLE_NAME))
        dynamodb.update_time_to_live(**detections_ttl_kwargs(DETECTIONS_TABLE_NAME))
    _media_bucket(region, upload_origins)
    queue_url, dlq_url = _queue_pair(sqs, QUEUE_NAME, DLQ_NAME)
    events_url, events_dlq_url = _queue_pair(sqs, EVENTS_QUEUE_NAME, EVENTS_DLQ_NAME)
    presence_url, presence_dlq_url = _queue_pair(sqs, PRESENCE_QUEUE_NAME, PRESENCE_DLQ_NAME)
    detections_url, detections_dlq_url = _queue_pair(sqs, DETECTIONS_QUEUE_NAME, DETECTIONS_DLQ_NAME)
    return {
        "AWS_DEFAULT_REGION": region,
        "REGISTRY_TABLE_NAME": TABLE_NAME,
        "CHANNEL_NAME_PREFIX": CHANNEL_NAME_PREFIX,
        "MESSAGE_TTL_SECONDS": str(MESSAGE_TTL_DEFAULT),
        "DEVICE_EVENT_SOURCE": DEVICE_EVENT_SOURCE,
        "LIFECYCLE_QUEUE_URL": queue_url,
        "LIFECYCLE_DLQ_URL": dlq_url,
        "ROTATION_STATE_TABLE_NAME": ROTATION_STATE_TABLE_NAME,
        "GRANTS_TABLE_NAME": GRANTS_TABLE_NAME,
        "PLACEMENT_TABLE_NAME": PLACEMENT_TABLE_NAME,
        "ALEXA_EVENTS_QUEUE_URL": events_url,
        "ALEXA_EVENTS_DLQ_URL": events_dlq_url,
        "PRESENCE_QUEUE_URL": presence_url,
        "PRESENCE_DLQ_URL": presence_dlq_url,
        "DETECTIONS_QUEUE_URL": detections_url,
        "DETECTIONS_DLQ_URL": detections_dlq_url,
        "ALEXA_CLIENT_SECRET_ID": _client_secret(region),
        # The role whose sessions are cameras (the credentials provider's, device_auth.py).
        "CAMERA_ROLE_NAME": DEVICE_ROLE,
        "DETECTIONS_TABLE_NAME": DETECTIONS_TABLE_NAME,
        "MEDIA_BUCKET_NAME": MEDIA_BUCKET_NAME,
    }


def _media_bucket(region: str, upload_origins: Sequence[str]) -> None:
    """The media bucket, private and encrypted as the CDK stack makes it."""
    s3 = boto3.client("s3", region_name=region)
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if MEDIA_BUCKET_NAME in existing:
        return
    if region == "us-east-1":
        s3.create_bucket(Bucket=MEDIA_BUCKET_NAME)
    else:
        s3.create_bucket(
            Bucket=MEDIA_BUCKET_NAME,
            CreateBucketConfiguration={"LocationConstraint": region},
        )
    s3.put_public_access_block(
        Bucket=MEDIA_BUCKET_NAME,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    if upload_origins:
        # The presigned POST's policy authorizes an upload; CORS only lets those pages read the answer.
        rule = {"AllowedOrigins": list(upload_origins), "AllowedMethods": ["POST"], "MaxAgeSeconds": 3600}
        s3.put_bucket_cors(Bucket=MEDIA_BUCKET_NAME, CORSConfiguration={"CORSRules": [rule]})


def _queue_pair(sqs: Any, name: str, dlq_name: str) -> tuple[str, str]:
    """A queue and its dead-letter queue, with the attributes the CDK stacks give them."""
    dlq_url = sqs.create_queue(QueueName=dlq_name, Attributes=dead_letter_attributes())["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return sqs.create_queue(QueueName=name, Attributes=queue_attributes(dlq_arn))["QueueUrl"], dlq_url


def _client_secret(region: str) -> str:
    """The skill's Alexa Skill Messaging credentials; a random secret per emulated account (the
    emulated LWA reads it back with `client_credentials`)."""
    client = boto3.client("secretsmanager", region_name=region)
    try:
        return str(client.describe_secret(SecretId=CLIENT_SECRET_NAME)["ARN"])
    except client.exceptions.ResourceNotFoundException:
        value = {"clientId": LOCAL_CLIENT_ID, "clientSecret": secrets.token_urlsafe(32)}
        return str(client.create_secret(Name=CLIENT_SECRET_NAME, SecretString=json.dumps(value))["ARN"])


def client_credentials(secret_id: str, region: str = "us-east-1") -> ClientCredentials:
    client = boto3.client("secretsmanager", region_name=region)
    return ClientCredentials.model_validate_json(client.get_secret_value(SecretId=secret_id)["SecretString"])
