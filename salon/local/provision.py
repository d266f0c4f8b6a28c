"""Creates the stack's resources through the AWS APIs: the local counterpart of the CDK app in infra/."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3

from functions import names
from salon import asl
from salon.local.config import ACCOUNT
from salon.local.lambda_endpoint import FunctionRegistry

MAX_RECEIVE_COUNT = 5
MAILBOX_QUEUE = "salon-local-mailbox"


@dataclass
class Resources:
    image_state_machine_arn: str
    comment_state_machine_arn: str
    comment_queue_url: str
    comment_dlq_url: str
    alerts_topic_arn: str
    upload_queue_url: str
    upload_dlq_url: str
    mailbox_queue_url: str
    user_pool_id: str
    user_pool_client_id: str
    live_queue_url: str = ""
    live_dlq_url: str = ""


def _table(
    ddb: Any, name: str, key: str, sort_key: str | None = None, index: tuple[str, str, str] | None = None
) -> None:
    """A table keyed by strings; `index` = (name, hash, range) adds a string-keyed GSI (as infra/ does)."""
    keys = [(key, "HASH")] + ([(sort_key, "RANGE")] if sort_key else [])
    attributes = [k for k, _ in keys] + [a for a in (index[1:] if index else ()) if a not in (key, sort_key)]
    extra: dict[str, Any] = {}
    if index:
        extra["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index[0],
                "KeySchema": [
                    {"AttributeName": index[1], "KeyType": "HASH"},
                    {"AttributeName": index[2], "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ]
    ddb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in attributes],
        KeySchema=[{"AttributeName": k, "KeyType": kind} for k, kind in keys],
        **extra,
    )


def _queue(sqs: Any, name: str, attributes: dict[str, str] | None = None) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name, Attributes=attributes or {})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def substitutions(registry: FunctionRegistry, alerts_topic_arn: str) -> dict[str, str]:
    """Local values for the ASL placeholders; infra/ supplies the AWS ones."""
    return {
        "Partition": "aws",
        "InspectUploadFunctionArn": registry.arn(names.FN_INSPECT_UPLOAD),
        "EvaluatePolicyFunctionArn": registry.arn(names.FN_EVALUATE_POLICY),
        "IndexDocumentFunctionArn": registry.arn(names.FN_INDEX_DOCUMENT),
        "RenderAlertFunctionArn": registry.arn(names.FN_RENDER_ALERT),
        "RequestReviewFunctionArn": registry.arn(names.FN_REQUEST_REVIEW),
        "AssessCommentFunctionArn": registry.arn(names.FN_ASSESS_COMMENT),
        "PhotosTable": names.PHOTOS_TABLE,
        "CommentsTable": names.COMMENTS_TABLE,
        "MetersTable": names.METERS_TABLE,
        "DecisionsTable": names.DECISIONS_TABLE,
        "ReviewsTable": names.REVIEWS_TABLE,
        "AlertsTopicArn": alerts_topic_arn,
        "EventBusName": names.EVENT_BUS,
        "QuarantinePrefix": names.QUARANTINE_PREFIX,
    }


def provision(region: str, registry: FunctionRegistry, owner_email: str, owner_phone: str = "") -> Resources:
    s3, ddb, sns, sqs = (boto3.client(s, region_name=region) for s in ("s3", "dynamodb", "sns", "sqs"))
    events, sfn, idp = (boto3.client(s, region_name=region) for s in ("events", "stepfunctions", "cognito-idp"))

    s3.create_bucket(Bucket=names.UPLOADS_BUCKET)
    s3.put_bucket_versioning(Bucket=names.UPLOADS_BUCKET, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_notification_configuration(
        Bucket=names.UPLOADS_BUCKET, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    _table(ddb, names.PHOTOS_TABLE, "photoId", index=(names.PHOTOS_BY_STATUS_INDEX, "status", "publishedAt"))
    _table(ddb, names.DECISIONS_TABLE, "objectKey", "decidedAt")  # one item per decision
    _table(ddb, names.REVIEWS_TABLE, "photoId")
    _table(ddb, names.COMMENTS_TABLE, "commentId", index=(names.COMMENTS_BY_DESIGN_INDEX, "designId", "submittedAt"))
    _table(ddb, names.METERS_TABLE, "designId")
    _table(ddb, names.COUNTERS_TABLE, "counter")

    topic_arn = sns.create_topic(Name=names.ALERTS_TOPIC)["TopicArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="email", Endpoint=owner_email)
    if owner_phone:
        sns.subscribe(TopicArn=topic_arn, Protocol="sms", Endpoint=owner_phone)
    mailbox_url, mailbox_arn = _queue(sqs, MAILBOX_QUEUE)
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=mailbox_arn)

    queue_url, dlq_url = _routed_queue(
        sqs,
        events,
        names.UPLOAD_EVENTS_QUEUE,
        names.UPLOAD_EVENTS_DLQ,
        names.UPLOAD_RULE,
        {
            "source": ["aws.s3"],
            "detail-type": ["Object Created"],
            "detail": {
                "bucket": {"name": [names.UPLOADS_BUCKET]},
                "object": {"key": [{"prefix": names.UPLOAD_PREFIX}]},
            },
        },
    )
    comment_url, comment_dlq_url = _routed_queue(
        sqs,
        events,
        names.COMMENT_EVENTS_QUEUE,
        names.COMMENT_EVENTS_DLQ,
        names.COMMENT_RULE,
        {"source": [names.EVENT_SOURCE], "detail-type": [names.EVENT_COMMENT_SUBMITTED]},
    )
    live_url, live_dlq_url = _routed_queue(
        sqs,
        events,
        names.LIVE_EVENTS_QUEUE,
        names.LIVE_EVENTS_DLQ,
        names.LIVE_RULE,
        {"source": [names.EVENT_SOURCE], "detail-type": list(names.LIVE_EVENT_TYPES)},
    )

    pool_id = idp.create_user_pool(
        PoolName=names.USER_POOL, AutoVerifiedAttributes=["email"], UsernameConfiguration={"CaseSensitive": False}
    )["UserPool"]["Id"]
    for group in names.GROUPS:
        idp.create_group(UserPoolId=pool_id, GroupName=group)
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=names.USER_POOL_CLIENT,
        GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        ReadAttributes=["email", "name"],
    )["UserPoolClient"]["ClientId"]

    values = substitutions(registry, topic_arn)
    machines = {}
    for machine, workflow in (
        (names.IMAGE_STATE_MACHINE, "image_moderation"),
        (names.COMMENT_STATE_MACHINE, "comment_sentiment"),
    ):
        machines[machine] = sfn.create_state_machine(
            name=machine,
            definition=asl.render(workflow, values),
            type="STANDARD",
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/{machine}",
        )["stateMachineArn"]
    return Resources(
        machines[names.IMAGE_STATE_MACHINE],
        machines[names.COMMENT_STATE_MACHINE],
        comment_url,
        comment_dlq_url,
        topic_arn,
        queue_url,
        dlq_url,
        mailbox_url,
        pool_id,
        client_id,
        live_url,
        live_dlq_url,
    )


def _routed_queue(
    sqs: Any, events: Any, name: str, dlq_name: str, rule: str, pattern: dict[str, Any]
) -> tuple[str, str]:
    """EventBridge rule -> SQS queue with a dead-letter queue (as infra/ does on AWS)."""
    dlq_url, dlq_arn = _queue(sqs, dlq_name)
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT})
    url, arn = _queue(sqs, name, {"RedrivePolicy": redrive, "VisibilityTimeout": "30"})
    events.put_rule(Name=rule, EventBusName=names.EVENT_BUS, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=rule, EventBusName=names.EVENT_BUS, Targets=[{"Id": f"{name}-queue", "Arn": arn}])
    return url, dlq_url


def function_environment(
    index_path: str, resources: Resources, api_url: str, events_http_url: str = ""
) -> dict[str, str]:
    """The environment every local function sees (on AWS, CDK sets the same variables per function)."""
    return {
        names.ENV_UPLOADS_BUCKET: names.UPLOADS_BUCKET,
        names.ENV_PHOTOS_TABLE: names.PHOTOS_TABLE,
        names.ENV_DECISIONS_TABLE: names.DECISIONS_TABLE,
        names.ENV_REVIEWS_TABLE: names.REVIEWS_TABLE,
        names.ENV_REVIEW_URL: f"{api_url}/gallery/reviews/",
        names.ENV_COMMENTS_TABLE: names.COMMENTS_TABLE,
        names.ENV_METERS_TABLE: names.METERS_TABLE,
        names.ENV_COUNTERS_TABLE: names.COUNTERS_TABLE,
        names.ENV_COMMENT_STATE_MACHINE_ARN: resources.comment_state_machine_arn,
        names.ENV_EVENT_BUS_NAME: names.EVENT_BUS,
        names.ENV_GALLERY_URL: f"{api_url}/gallery/#/designs/",  # the site uses hash routes
        names.ENV_ALERTS_TOPIC_ARN: resources.alerts_topic_arn,
        names.ENV_IMAGE_STATE_MACHINE_ARN: resources.image_state_machine_arn,
        names.ENV_SEARCH_BACKEND: "embedded",
        names.ENV_SEARCH_PATH: index_path,
        names.ENV_USER_POOL_ID: resources.user_pool_id,
        names.ENV_CONSOLE_URL: f"{api_url}/console/executions/",
        names.ENV_EVENTS_HTTP_URL: events_http_url,
        "POWERTOOLS_SERVICE_NAME": "salon",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "SalonInsights",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "POWERTOOLS_METRICS_DISABLED": "true",  # no CloudWatch here: metrics would only print to stdout
    }
