"""Storage: the uploads bucket (with its quarantine/ prefix and lifecycle) and the DynamoDB tables."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from constructs import Construct

from functions import names
from infra.config import DeployConfig

# Table -> partition key (all strings). The workflows and handlers read the physical names from the
# environment / definition substitutions.
TABLE_KEYS = {
    names.PHOTOS_TABLE: "photoId",
    names.COMMENTS_TABLE: "commentId",
    names.METERS_TABLE: "designId",
    names.DECISIONS_TABLE: "objectKey",  # decision history: one item per decision (sort key below)
    names.COUNTERS_TABLE: "counter",  # rolling-window counters (burst alerts)
    names.REVIEWS_TABLE: "photoId",  # the review of a photo: current state and, while pending, the task token
}
SORT_KEYS = {names.DECISIONS_TABLE: "decidedAt"}
TTL_ATTRIBUTES = {names.COUNTERS_TABLE: "expiresAt"}
# Table -> its indexes as (index, partition key, sort key), string keys, all attributes projected (the
# gallery reads, the author's comments, the owner's queue of held comments).
TABLE_INDEXES = {
    names.PHOTOS_TABLE: ((names.PHOTOS_BY_STATUS_INDEX, "status", "publishedAt"),),
    names.COMMENTS_TABLE: (
        (names.COMMENTS_BY_DESIGN_INDEX, "designId", "submittedAt"),
        (names.COMMENTS_BY_AUTHOR_INDEX, "authorSub", "submittedAt"),
        (names.COMMENTS_BY_VISIBILITY_INDEX, "visibility", "submittedAt"),
    ),
}
REJECTED_TAG = ("verdict", "rejected")  # set by the image workflow's TagRejectedObject state
# Objects waiting for a decision are never expired first: an appealed upload is re-tagged verdict=review
# (TagUnderReview) so the rejected-uploads rule no longer matches it, and a quarantine release is refused
# when the quarantined copy would expire before the review's timeout (functions/domain/reviews.py).


def check_review_retention(config: DeployConfig, review_timeout_seconds: int) -> None:
    """Quarantined copies must outlive a review (else no release could ever be decided): refused at synth."""
    if config.quarantine_retention_days * 86400 <= review_timeout_seconds + 86400:
        raise ValueError(
            f"salon:quarantineRetentionDays ({config.quarantine_retention_days}) must exceed the moderation "
            f"policy's review timeout ({review_timeout_seconds} s) by more than a day"
        )


class Storage(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: DeployConfig) -> None:
        super().__init__(scope, construct_id)
        removal = RemovalPolicy.RETAIN if config.retain_data else RemovalPolicy.DESTROY
        destroy = not config.retain_data

        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,  # server access logging requires SSE-S3
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(id="expire-access-logs", expiration=Duration.days(365))],
            removal_policy=removal,
            auto_delete_objects=destroy,
        )

        self.uploads = s3.Bucket(
            self,
            "Uploads",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="uploads-bucket/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="quarantine-retention",
                    prefix=names.QUARANTINE_PREFIX,
                    expiration=Duration.days(config.quarantine_retention_days),
                    noncurrent_version_expiration=Duration.days(1),
                ),
                s3.LifecycleRule(
                    id="expire-rejected-uploads",
                    prefix=names.UPLOAD_PREFIX,
                    tag_filters={REJECTED_TAG[0]: REJECTED_TAG[1]},
                    expiration=Duration.days(config.rejected_retention_days),
                ),
                s3.LifecycleRule(  # judged renditions: kept as long as a review or a redrive may publish one
                    id="expire-renditions",
                    prefix=names.RENDITION_PREFIX,
                    expiration=Duration.days(max(14, config.quarantine_retention_days)),
                    noncurrent_version_expiration=Duration.days(max(14, config.quarantine_retention_days)),
                ),
                s3.LifecycleRule(  # a quarantined original is deleted; its old version must not linger
                    id="expire-replaced-uploads",
                    prefix=names.UPLOAD_PREFIX,
                    noncurrent_version_expiration=Duration.days(1),
                    expired_object_delete_marker=True,
                ),
                s3.LifecycleRule(
                    id="housekeeping",
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                    noncurrent_version_expiration=Duration.days(30),
                ),
            ],
            removal_policy=removal,
            auto_delete_objects=destroy,
        )

        # "Object Created" -> EventBridge -> the image workflow. Set on the L1 bucket: the L2's
        # event_bridge_enabled would deploy a notifications custom-resource Lambda for the same setting.
        cfn_uploads = self.uploads.node.default_child
        assert isinstance(cfn_uploads, s3.CfnBucket)
        cfn_uploads.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
            event_bridge_configuration=s3.CfnBucket.EventBridgeConfigurationProperty(event_bridge_enabled=True)
        )

        self.tables: dict[str, dynamodb.Table] = {}
        for name, key in TABLE_KEYS.items():
            self.tables[name] = dynamodb.Table(
                self,
                name.removeprefix("salon-").title() + "Table",
                partition_key=dynamodb.Attribute(name=key, type=dynamodb.AttributeType.STRING),
                sort_key=dynamodb.Attribute(name=SORT_KEYS[name], type=dynamodb.AttributeType.STRING)
                if name in SORT_KEYS
                else None,
                billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
                encryption=dynamodb.TableEncryption.AWS_MANAGED,
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True
                ),
                time_to_live_attribute=TTL_ATTRIBUTES.get(name),
                deletion_protection=config.retain_data,
                removal_policy=removal,
            )
            for index, partition, sort in TABLE_INDEXES.get(name, ()):
                self.tables[name].add_global_secondary_index(
                    index_name=index,
                    partition_key=dynamodb.Attribute(name=partition, type=dynamodb.AttributeType.STRING),
                    sort_key=dynamodb.Attribute(name=sort, type=dynamodb.AttributeType.STRING),
                    projection_type=dynamodb.ProjectionType.ALL,
                )

    def table(self, name: str) -> dynamodb.Table:
        return self.tables[name]
