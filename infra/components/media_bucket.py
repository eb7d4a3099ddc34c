"""The media bucket: the images cameras upload (snapshots, detection frames) under
`media/{deviceId}/`. Private (public access blocked, TLS only), encrypted, unversioned so a
deletion is final, and every object expires after the detections' retention."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.nag import acknowledge

# Where functions.common.detections.media_store puts every object.
MEDIA_PREFIX = "media/"
# An image outlives the detection that names it by a day: the reference rows that open it are kept
# a day after they expire (so their URI answers 410, not 404).
REFERENCE_GRACE_DAYS = 1


class MediaBucket(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, bucket_name: str, retention_days: int) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=bucket_name,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            # S3-managed keys: a presigned POST then needs no KMS rights for the camera's upload.
            encryption=s3.BucketEncryption.S3_MANAGED,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=False,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireMedia",
                    expiration=Duration.days(retention_days + REFERENCE_GRACE_DAYS),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            # Images expire within weeks anyway; a stack deleted by mistake keeps them until then.
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.bucket,
            "AwsSolutions-S1",
            "Only this stage's function roles and their presigned uploads reach it; a server access "
            "log would keep device ids and image keys longer than the images. CloudTrail S3 data "
            "events are the audit where one is wanted (docs/detections.md).",
        )
