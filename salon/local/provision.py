"""Creates the stack's resources through the AWS APIs: the local counterpart of the CDK app in infra/.

Both build from functions/wiring.py: the same rules and patterns, placeholders and function environments.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3

from functions import config, names, wiring
from functions import resources as res
from functions.resources import Resource
from salon.local.config import ACCOUNT
from salon.local.lambda_endpoint import FunctionRegistry
from workflows import asl

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
    state_machine_arns: dict[str, str]  # by state machine name
    queue_urls: dict[str, str]  # by rule name (triggers and deliveries)
    substitutions: dict[str, dict[str, str]]  # by state machine name: what each ASL placeholder became


def _table(
    ddb: Any, name: str, key: str, sort_key: str | None = None, indexes: tuple[tuple[str, str, str], ...] = ()
) -> None:
    """A table keyed by strings; each of `indexes` = (name, hash, range) adds a string-keyed GSI (as infra/ does)."""
    keys = [(key, "HASH")] + ([(sort_key, "RANGE")] if sort_key else [])
    indexed = dict.fromkeys(a for index in indexes for a in index[1:] if a not in (key, sort_key))
    attributes = [k for k, _ in keys] + list(indexed)
    extra: dict[str, Any] = {}
    if indexes:
        extra["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index[0],
                "KeySchema": [
                    {"AttributeName": index[1], "KeyType": "HASH"},
                    {"AttributeName": index[2], "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in indexes
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


@dataclass(frozen=True)
class LocalValues:
    """What the wiring's resources are on the embedded stack."""

    registry: FunctionRegistry
    alerts_topic_arn: str = ""
    state_machine_arns: dict[str, str] | None = None
    index_path: str = ""
    api_url: str = ""
    events_http_url: str = ""
    max_upload_bytes: int = 10 * 1024 * 1024
    quarantine_retention_days: int = 90

    def __call__(self, resource: Resource) -> str:
        kind, name = resource.kind, resource.name
        if kind in ("table", "bucket", "event-bus", "literal"):
            return name  # created under their logical names
        if kind == "partition":
            return "aws"
        if kind == "function":
            return self.registry.arn(name)
        if kind == "topic" and name == names.ALERTS_TOPIC:
            return self.alerts_topic_arn
        if kind == "state-machine" and self.state_machine_arns is not None:
            return self.state_machine_arns[name]
        if resource == res.SEARCH_BACKEND:
            return "embedded"
        if resource == res.SEARCH_ENDPOINT:
            return self.index_path
        if resource == res.MAX_UPLOAD_BYTES:
            return str(self.max_upload_bytes)
        if resource == res.CONSOLE_URL:
            return f"{self.api_url}/console/executions/"
        if resource == res.GALLERY_URL:
            return f"{self.api_url}/gallery/#/designs/"  # the site uses hash routes
        if resource == res.REVIEW_URL:
            return f"{self.api_url}/gallery/reviews/"
        if resource == res.EVENTS_HTTP_URL:
            return self.events_http_url
        if resource == res.QUARANTINE_RETENTION_DAYS:
            return str(self.quarantine_retention_days)
        if kind == "policy":
            return config.policy_document(name)
        raise ValueError(f"the embedded stack cannot resolve {resource}")


def substitutions(workflow: wiring.Workflow, values: LocalValues) -> dict[str, str]:
    """Local values for the workflow's ASL placeholders; infra/ supplies the AWS ones from the same wiring."""
    return {placeholder: values(resource) for placeholder, resource in workflow.placeholders.items()}


def provision(region: str, registry: FunctionRegistry, owner_email: str, owner_phone: str = "") -> Resources:
    s3, ddb, sns, sqs = (boto3.client(s, region_name=region) for s in ("s3", "dynamodb", "sns", "sqs"))
    events, sfn, idp = (boto3.client(s, region_name=region) for s in ("events", "stepfunctions", "cognito-idp"))

    s3.create_bucket(Bucket=names.UPLOADS_BUCKET)
    s3.put_bucket_versioning(Bucket=names.UPLOADS_BUCKET, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_notification_configuration(
        Bucket=names.UPLOADS_BUCKET, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    _table(ddb, names.PHOTOS_TABLE, "photoId", indexes=((names.PHOTOS_BY_STATUS_INDEX, "status", "publishedAt"),))
    _table(ddb, names.DECISIONS_TABLE, "objectKey", "decidedAt")  # one item per decision
    _table(ddb, names.REVIEWS_TABLE, "photoId")
    _table(
        ddb,
        names.COMMENTS_TABLE,
        "commentId",
        indexes=(
            (names.COMMENTS_BY_DESIGN_INDEX, "designId", "submittedAt"),
            (names.COMMENTS_BY_AUTHOR_INDEX, "authorSub", "submittedAt"),
            (names.COMMENTS_BY_VISIBILITY_INDEX, "visibility", "submittedAt"),
        ),
    )
    _table(ddb, names.METERS_TABLE, "designId")
    _table(ddb, names.COUNTERS_TABLE, "counter")

    topic_arn = sns.create_topic(Name=names.ALERTS_TOPIC)["TopicArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="email", Endpoint=owner_email)
    if owner_phone:
        sns.subscribe(TopicArn=topic_arn, Protocol="sms", Endpoint=owner_phone)
    mailbox_url, mailbox_arn = _queue(sqs, MAILBOX_QUEUE)
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=mailbox_arn)

    values = LocalValues(registry, topic_arn)
    routed: list[wiring.Trigger | wiring.Delivery] = [*wiring.TRIGGERS, *wiring.DELIVERIES]
    queues = {
        trigger.rule: _routed_queue(
            sqs,
            events,
            trigger.queue,
            trigger.dead_letter_queue,
            trigger.rule,
            wiring.resolve_pattern(trigger.pattern, values),
        )
        for trigger in routed
    }

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

    machines, substituted = {}, {}
    for workflow in wiring.WORKFLOWS:
        substituted[workflow.state_machine] = substitutions(workflow, values)
        machines[workflow.state_machine] = sfn.create_state_machine(
            name=workflow.state_machine,
            definition=asl.render(workflow.key, substituted[workflow.state_machine]),
            type=workflow.kind,
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/{workflow.state_machine}",
        )["stateMachineArn"]
    queue_url, dlq_url = queues[names.UPLOAD_RULE]
    comment_url, comment_dlq_url = queues[names.COMMENT_RULE]
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
        machines,
        {rule: url for rule, (url, _) in queues.items()},
        substituted,
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


def function_environments(
    registry: FunctionRegistry, resources: Resources, index_path: str, api_url: str, events_http_url: str = ""
) -> dict[str, dict[str, str]]:
    """Function name -> the variables of its settings model (on AWS, CDK sets the same ones per function)."""
    values = LocalValues(
        registry, resources.alerts_topic_arn, resources.state_machine_arns, index_path, api_url, events_http_url
    )
    return {
        fn.name: {var: values(r) for var, r in fn.environment.items() if r.kind != "runtime"} for fn in wiring.FUNCTIONS
    }


# Runtime configuration the embedded stack's process gives every handler (Lambda's own settings on AWS).
RUNTIME_ENVIRONMENT = {
    "POWERTOOLS_SERVICE_NAME": "salon",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "SalonInsights",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "POWERTOOLS_METRICS_DISABLED": "true",  # no CloudWatch here: metrics would only print to stdout
}
