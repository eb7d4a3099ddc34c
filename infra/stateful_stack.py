"""Stateful resources, in their own stack so a service redeploy can never replace them."""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from functions.common.alexa import grants_schema as grants
from functions.common.cells import placement_schema as placement
from functions.common.detections import schema as detections
from functions.common.registry import rotation_state_schema as rotation_state
from functions.common.registry import schema as registry
from infra.components.media_bucket import MediaBucket
from infra.nag import acknowledge


class StatefulStack(Stack):
    """The device registry table, the cell placement table, the rotation's state table, and the
    Alexa grants: their table, the key that encrypts it, and the skill's Alexa Skill Messaging
    client secret; the detections table and the media bucket, both expiring their data after
    `detection_retention_days`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        media_bucket_name: str,
        detection_retention_days: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.registry_table = self._build_kept_table(
            "Registry",
            registry.PARTITION_KEY,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            time_to_live_attribute=registry.EXPIRES_AT,
        )
        self.registry_table.add_global_secondary_index(
            index_name=registry.OWNER_INDEX,
            partition_key=dynamodb.Attribute(name=registry.OWNER_KEY, type=dynamodb.AttributeType.STRING),
            projection_type=dynamodb.ProjectionType.ALL,
        )
        self.registry_table.add_global_secondary_index(
            index_name=registry.SWEEP_INDEX,
            partition_key=dynamodb.Attribute(name=registry.SWEEP_SHARD, type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name=registry.CONFIRMED_AT, type=dynamodb.AttributeType.NUMBER),
            projection_type=dynamodb.ProjectionType.KEYS_ONLY,
        )
        # Which cell holds each device's channel, and how full each cell is: losing it would
        # lose track of the cells' capacity.
        self.placement_table = self._build_kept_table(
            "CellPlacement", placement.PARTITION_KEY, encryption=dynamodb.TableEncryption.AWS_MANAGED
        )
        # Only a checkpoint and a lease: a lost table costs one full rotation run, nothing more.
        self.rotation_state_table = dynamodb.Table(
            self,
            "RotationState",
            partition_key=dynamodb.Attribute(
                name=rotation_state.PARTITION_KEY, type=dynamodb.AttributeType.STRING
            ),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=rotation_state.EXPIRES_AT,
            removal_policy=RemovalPolicy.DESTROY,
        )
        # Users' Alexa refresh tokens are long-lived secrets: a customer managed key (rotated
        # yearly) whose use CloudTrail records, and a grant can be cut off by disabling the key.
        self.grants_key = kms.Key(
            self,
            "GrantsKey",
            description="Encrypts the Alexa grants table and the skill's messaging client secret",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.grants_table = self._build_kept_table(
            "AlexaGrants",
            grants.PARTITION_KEY,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.grants_key,
        )
        # Created empty; the platform team puts {"clientId": ..., "clientSecret": ...} (docs/deploying.md).
        self.client_secret = secretsmanager.Secret(
            self,
            "AlexaClientSecret",
            description="Alexa Skill Messaging client id and secret: {clientId, clientSecret}",
            encryption_key=self.grants_key,
            removal_policy=RemovalPolicy.RETAIN,
        )
        # Users' detections: kept like the registry; every item expires through the TTL.
        self.detections_table = self._build_kept_table(
            "Detections",
            detections.PARTITION_KEY,
            sort_key=detections.SORT_KEY,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            time_to_live_attribute=detections.EXPIRES_AT,
        )
        self.media_bucket = MediaBucket(
            self, "Media", bucket_name=media_bucket_name, retention_days=detection_retention_days
        ).bucket
        acknowledge(
            self.client_secret,
            "AwsSolutions-SMG4",
            "Issued by the Alexa developer console, which has no rotation API; rotated by hand (docs).",
        )

    def _build_kept_table(
        self,
        construct_id: str,
        partition_key: str,
        *,
        sort_key: str | None = None,
        encryption: dynamodb.TableEncryption,
        encryption_key: kms.IKey | None = None,
        time_to_live_attribute: str | None = None,
    ) -> dynamodb.Table:
        """A table whose loss loses users' data: on demand, point-in-time recovery, deletion
        protection, kept when the stack goes."""
        return dynamodb.Table(
            self,
            construct_id,
            partition_key=dynamodb.Attribute(name=partition_key, type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name=sort_key, type=dynamodb.AttributeType.STRING)
            if sort_key
            else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
            time_to_live_attribute=time_to_live_attribute,
            encryption=encryption,
            encryption_key=encryption_key,
        )
