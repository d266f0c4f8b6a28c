"""The Salon Insights stack: one stack, one construct per part of the design (see docs/deploy.md)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aws_cdk import Aws, CfnElement, CfnMapping, CfnOutput, Fn, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from functions import names
from functions.domain.comments import CommentPolicy
from functions.domain.policy import Policy
from infra.api import Api
from infra.bundling import LambdaAssets
from infra.config import DeployConfig
from infra.ingestion import QueuedWorkflowStart
from infra.lambdas import LambdaFunctions, arn_placeholder
from infra.live import LiveUpdates
from infra.nag import acknowledge
from infra.notifications import Notifications
from infra.observability import Observability
from infra.reconcile import Reconciliation
from infra.search import Search
from infra.storage import Storage, check_review_retention
from infra.workflows import AslStateMachine, Ref, event_bus_arn
from salon import asl

CONFIG_DIR = asl.WORKFLOWS_DIR.parent / "config"

IMAGE_WORKFLOW = "image_moderation"
COMMENT_WORKFLOW = "comment_sentiment"
# Workflow file -> state machine type. Both Standard: the starter dedups events by execution name, which
# only Standard honours (StartExecution is not idempotent for Express); trade-off in docs/deploy.md.
WORKFLOW_TYPES = {
    IMAGE_WORKFLOW: sfn.StateMachineType.STANDARD,
    COMMENT_WORKFLOW: sfn.StateMachineType.STANDARD,
}
# Console domain per partition, for the execution links in the owner's emails.
CONSOLE_DOMAINS = {
    "aws": "console.aws.amazon.com",
    "aws-cn": "console.amazonaws.cn",
    "aws-us-gov": "console.amazonaws-us-gov.com",
}
# OpenSearch paths per function (index APIs on the two indexes).
SEARCH_INDEX_PATHS = [
    f"{index}{suffix}" for index in (names.PHOTOS_INDEX, names.COMMENTS_INDEX) for suffix in ("", "/*")
]


def policy_json(path: Path, check: Callable[[dict[str, Any]], object]) -> str:
    """A policy document from config/, validated at synth by the code that will read it, as compact JSON."""
    document = json.loads(path.read_text(encoding="utf-8"))
    check(document)  # raises on a document the function would refuse
    return json.dumps(document, separators=(",", ":"), sort_keys=True)


def moderation_policy_json() -> str:
    return policy_json(CONFIG_DIR / "moderation_policy.json", Policy.from_document)


def comment_policy_json() -> str:
    return policy_json(CONFIG_DIR / "comment_policy.json", lambda doc: CommentPolicy.load(json.dumps(doc)))


class SalonStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: DeployConfig, assets: LambdaAssets) -> None:
        super().__init__(
            scope,
            construct_id,
            description="Salon Insights: moderated design gallery, comment sentiment and owner insights",
        )
        self.config = config
        self.storage = Storage(self, "Storage", config=config)
        self.notifications = Notifications(self, "Notifications", config=config)
        self.search = Search(self, "Search", config=config)
        self.functions = LambdaFunctions(self, "Functions", assets=assets, config=config)
        self._configure_functions()
        self.api = Api(self, "Api", handler=self.functions[names.FN_UPLOAD_API].function, config=config)
        self._configure_api_function()
        self.live = LiveUpdates(
            self,
            "Live",
            user_pool=self.api.user_pool,
            publisher=self.functions[names.FN_PUBLISH_LIVE],
            config=config,
        )

        refs = self._refs()
        uploads = self.storage.uploads
        self.image = AslStateMachine(
            self,
            "ImageModeration",
            workflow=IMAGE_WORKFLOW,
            refs=refs,
            config=config,
            state_machine_type=WORKFLOW_TYPES[IMAGE_WORKFLOW],
            dynamic_resources=self._image_object_access(uploads),
            log_execution_data=False,  # AskOwner's input carries the task token (trade-off: docs/decisions.md)
        )
        acknowledge(
            self.image.role,
            "IAM5",
            "Object-level S3 access is scoped to key prefixes: uploads/* (read and tag the judged version, "
            "hide it, delete a duplicate version), renditions/* (Rekognition reads the judged rendition, "
            "copied from there), quarantine/* and published/* (write the copies).",
            [
                self._objects_finding(prefix)
                for prefix in (
                    names.UPLOAD_PREFIX,
                    names.RENDITION_PREFIX,
                    names.QUARANTINE_PREFIX,
                    names.PUBLISHED_PREFIX,
                )
            ],
        )
        starter = self.functions[names.FN_START_WORKFLOW]
        self.image_start = QueuedWorkflowStart(
            self,
            "ImageIngestion",
            description="S3 Object Created under uploads/ -> image workflow queue",
            pattern=events.EventPattern(
                source=["aws.s3"],
                detail_type=["Object Created"],
                detail={
                    "bucket": {"name": [uploads.bucket_name]},
                    "object": {"key": [{"prefix": names.UPLOAD_PREFIX}]},
                },
            ),
            starter=starter,
            state_machine=self.image.state_machine,
            arn_variable=names.ENV_IMAGE_STATE_MACHINE_ARN,
        )
        self.state_machines = {IMAGE_WORKFLOW: self.image.state_machine}
        self._configure_reviews()
        self.dead_letter_queues = {
            "upload-rule-dlq": self.image_start.rule_dlq,
            "upload-queue-dlq": self.image_start.queue_dlq,
        }
        self.rules = {"upload-created": self.image_start.rule}

        self.comment = AslStateMachine(
            self,
            "CommentSentiment",
            workflow=COMMENT_WORKFLOW,
            refs=refs,
            config=config,
            state_machine_type=WORKFLOW_TYPES[COMMENT_WORKFLOW],
        )
        self.comment_start = QueuedWorkflowStart(
            self,
            "CommentIngestion",
            description="CommentSubmitted -> comment workflow queue",
            pattern=events.EventPattern(source=[names.EVENT_SOURCE], detail_type=[names.EVENT_COMMENT_SUBMITTED]),
            starter=starter,
            state_machine=self.comment.state_machine,
            arn_variable=names.ENV_COMMENT_STATE_MACHINE_ARN,
        )
        self.state_machines[COMMENT_WORKFLOW] = self.comment.state_machine
        self.dead_letter_queues["comment-rule-dlq"] = self.comment_start.rule_dlq
        self.dead_letter_queues["comment-queue-dlq"] = self.comment_start.queue_dlq
        self.rules["comment-submitted"] = self.comment_start.rule
        self.reconciliation = Reconciliation(
            self,
            "Reconciliation",
            function=self.functions[names.FN_RECONCILE],
            storage=self.storage,
            search=self.search,
            search_paths=SEARCH_INDEX_PATHS,
            image=self.image.state_machine,
            comment=self.comment.state_machine,
            topic=self.notifications.operations,
            execution_findings=[self._executions_finding(m) for m in self.state_machines.values()],
        )
        self.dead_letter_queues["reconcile-schedule-dlq"] = self.reconciliation.dead_letters

        self._configure_publisher()
        self.observability = Observability(
            self,
            "Observability",
            topic=self.notifications.operations,
            state_machines=self.state_machines,
            functions={name: fn.function for name, fn in self.functions.by_name.items()},
            dead_letter_queues=self.dead_letter_queues,
            rules=self.rules,
            http_api=self.api.http_api,
        )
        self._outputs()

    @staticmethod
    def _image_object_access(uploads: Any) -> dict[str, list[str]]:
        """Which objects the image workflow's S3 actions may touch (the bucket and keys come from the event)."""
        upload, rendition, quarantine, published = (
            uploads.arn_for_objects(f"{prefix}*")
            for prefix in (names.UPLOAD_PREFIX, names.RENDITION_PREFIX, names.QUARANTINE_PREFIX, names.PUBLISHED_PREFIX)
        )
        return {
            "s3:GetObject": [quarantine],  # a released upload is restored from its quarantined copy
            "s3:GetObjectTagging": [quarantine],
            "s3:GetObjectVersion": [upload, rendition],
            "s3:GetObjectVersionTagging": [upload, rendition],
            "s3:DeleteObject": [upload, quarantine],
            "s3:DeleteObjectVersion": [upload],
            "s3:PutObjectVersionTagging": [upload],
            "s3:PutObject": [upload, quarantine, published],
            "s3:PutObjectTagging": [upload, quarantine, published],
        }

    def _refs(self) -> dict[str, Ref]:
        """Every value an ASL placeholder may stand for on AWS (the local stack has its own)."""
        tables = self.storage.tables
        topic = self.notifications.alerts
        refs = {
            "Partition": Ref(Aws.PARTITION),
            "PhotosTable": Ref(tables[names.PHOTOS_TABLE].table_name, tables[names.PHOTOS_TABLE].table_arn),
            "CommentsTable": Ref(tables[names.COMMENTS_TABLE].table_name, tables[names.COMMENTS_TABLE].table_arn),
            "MetersTable": Ref(tables[names.METERS_TABLE].table_name, tables[names.METERS_TABLE].table_arn),
            "CountersTable": Ref(tables[names.COUNTERS_TABLE].table_name, tables[names.COUNTERS_TABLE].table_arn),
            "DecisionsTable": Ref(tables[names.DECISIONS_TABLE].table_name, tables[names.DECISIONS_TABLE].table_arn),
            "ReviewsTable": Ref(tables[names.REVIEWS_TABLE].table_name, tables[names.REVIEWS_TABLE].table_arn),
            "AlertsTopicArn": Ref(topic.topic_arn, topic.topic_arn, self.notifications.key.key_arn),
            "EventBusName": Ref(names.EVENT_BUS, event_bus_arn(self, names.EVENT_BUS)),
            "EventSource": Ref(names.EVENT_SOURCE),
            "QuarantinePrefix": Ref(names.QUARANTINE_PREFIX),
            "UploadPrefix": Ref(names.UPLOAD_PREFIX),
        }
        for function_name, fn in self.functions.by_name.items():
            refs[arn_placeholder(function_name)] = Ref(fn.function.function_arn, fn.function.function_arn)
        return refs

    def _configure_functions(self) -> None:
        fns, tables, bucket = self.functions, self.storage.tables, self.storage.uploads

        inspect = fns[names.FN_INSPECT_UPLOAD]
        inspect.add_environment(names.ENV_UPLOADS_BUCKET, bucket.bucket_name)
        inspect.add_environment(names.ENV_MAX_UPLOAD_BYTES, str(self.config.max_upload_bytes))
        inspect.role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject", "s3:GetObjectVersion"],
                resources=[bucket.arn_for_objects(f"{names.UPLOAD_PREFIX}*")],
            )
        )
        inspect.role.add_to_policy(  # is this version the first object under its key?
            iam.PolicyStatement(
                actions=["s3:ListBucketVersions"],
                resources=[bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{names.UPLOAD_PREFIX}*"]}},
            )
        )
        inspect.role.add_to_policy(  # the re-encoded rendition the workflow judges
            iam.PolicyStatement(
                actions=["s3:PutObject"], resources=[bucket.arn_for_objects(f"{names.RENDITION_PREFIX}*")]
            )
        )
        acknowledge(
            inspect.role,
            "IAM5",
            "Reads object versions under uploads/ and writes renditions under renditions/ only: the keys are "
            "generated per upload, so the grants are key prefixes.",
            [self._objects_finding(names.UPLOAD_PREFIX), self._objects_finding(names.RENDITION_PREFIX)],
        )

        fns[names.FN_EVALUATE_POLICY].add_environment(names.ENV_POLICY_JSON, moderation_policy_json())

        index = fns[names.FN_INDEX_DOCUMENT]
        index.add_environment(names.ENV_SEARCH_BACKEND, "opensearch")
        index.add_environment(names.ENV_OPENSEARCH_ENDPOINT, self.search.endpoint)
        self.search.grant(
            index.role,
            ["es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpDelete"],
            [*SEARCH_INDEX_PATHS, "_bulk"],
            reason="Document APIs on the photos and comments indexes only: document ids are "
            "per photo and comment, so the grant is the index path.",
        )

        assess = fns[names.FN_ASSESS_COMMENT]
        assess.add_environment(names.ENV_COUNTERS_TABLE, tables[names.COUNTERS_TABLE].table_name)
        assess.add_environment(names.ENV_COMMENT_POLICY_JSON, comment_policy_json())
        assess.role.add_to_policy(
            iam.PolicyStatement(  # the rolling window: a transaction (Put marker + Update bucket), one BatchGet
                actions=["dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
                resources=[tables[names.COUNTERS_TABLE].table_arn],
            )
        )

        render = fns[names.FN_RENDER_ALERT]
        console = CfnMapping(self, "ConsoleDomain", mapping={p: {"domain": d} for p, d in CONSOLE_DOMAINS.items()})
        render.add_environment(
            names.ENV_CONSOLE_URL,
            Fn.join(
                "",
                [
                    "https://",
                    console.find_in_map(Aws.PARTITION, "domain"),
                    "/states/home?region=",
                    Aws.REGION,
                    "#/v2/executions/details/",
                ],
            ),
        )
        render.add_environment(names.ENV_COMMENT_POLICY_JSON, comment_policy_json())
        if self.config.gallery_url:
            render.add_environment(names.ENV_GALLERY_URL, self.config.gallery_url)
        # FN_START_WORKFLOW: wired by QueuedWorkflowStart (queues, StartExecution, state machine ARNs).

    def _configure_api_function(self) -> None:
        api_fn, bucket = self.functions[names.FN_UPLOAD_API], self.storage.uploads
        photos = self.storage.tables[names.PHOTOS_TABLE]
        for key, value in {
            names.ENV_UPLOADS_BUCKET: bucket.bucket_name,
            names.ENV_MAX_UPLOAD_BYTES: str(self.config.max_upload_bytes),
            names.ENV_PHOTOS_TABLE: photos.table_name,
            names.ENV_EVENT_BUS_NAME: names.EVENT_BUS,
            names.ENV_USER_POOL_ID: self.api.user_pool.user_pool_id,
            names.ENV_USER_POOL_CLIENT_ID: self.api.client.user_pool_client_id,
            names.ENV_JWT_ISSUER: self.api.issuer,
            names.ENV_SEARCH_BACKEND: "opensearch",
            names.ENV_OPENSEARCH_ENDPOINT: self.search.endpoint,
            names.ENV_COMMENT_POLICY_JSON: comment_policy_json(),  # GET /insights lists what it escalates
        }.items():
            api_fn.add_environment(key, value)
        # Presigned POSTs are signed with this role: the upload itself is authorised as s3:PutObject.
        api_fn.role.add_to_policy(
            iam.PolicyStatement(actions=["s3:PutObject"], resources=[bucket.arn_for_objects(f"{names.UPLOAD_PREFIX}*")])
        )
        # POST /designs/{id}/comments: is the design published? then emit CommentSubmitted, nothing else.
        api_fn.role.add_to_policy(iam.PolicyStatement(actions=["dynamodb:GetItem"], resources=[photos.table_arn]))
        api_fn.role.add_to_policy(
            iam.PolicyStatement(
                actions=["events:PutEvents"],
                resources=[event_bus_arn(self, names.EVENT_BUS)],
                conditions={
                    "StringEquals": {
                        "events:source": [names.EVENT_SOURCE],
                        "events:detail-type": [names.EVENT_COMMENT_SUBMITTED],
                    }
                },
            )
        )
        # Gallery reads: published designs (photos byStatus), comments (byDesign), meters, own decisions.
        for env, table in (
            (names.ENV_COMMENTS_TABLE, names.COMMENTS_TABLE),
            (names.ENV_METERS_TABLE, names.METERS_TABLE),
            (names.ENV_DECISIONS_TABLE, names.DECISIONS_TABLE),
        ):
            api_fn.add_environment(env, self.storage.tables[table].table_name)
        tables = self.storage.tables
        api_fn.role.add_to_policy(
            iam.PolicyStatement(
                actions=["dynamodb:Query"],
                resources=[
                    f"{tables[names.PHOTOS_TABLE].table_arn}/index/{names.PHOTOS_BY_STATUS_INDEX}",
                    f"{tables[names.COMMENTS_TABLE].table_arn}/index/{names.COMMENTS_BY_DESIGN_INDEX}",
                ],
            )
        )
        api_fn.role.add_to_policy(
            iam.PolicyStatement(actions=["dynamodb:GetItem"], resources=[tables[names.METERS_TABLE].table_arn])
        )
        api_fn.role.add_to_policy(
            iam.PolicyStatement(actions=["dynamodb:Scan"], resources=[tables[names.DECISIONS_TABLE].table_arn])
        )
        # GET /insights: searches and counts on the two indexes.
        self.search.grant(
            api_fn.role,
            ["es:ESHttpGet", "es:ESHttpPost"],
            [f"{index}/{op}" for index in (names.PHOTOS_INDEX, names.COMMENTS_INDEX) for op in ("_search", "_count")],
        )
        acknowledge(
            api_fn.role,
            "IAM5",
            "Presigned upload POSTs may write only under uploads/ (keys are "
            "generated per upload, so the grant is a key prefix).",
            [self._objects_finding(names.UPLOAD_PREFIX)],
        )

    def _configure_publisher(self) -> None:
        """publish-live reads the photo, comment and meter an event names (GetItem only)."""
        publisher, tables = self.functions[names.FN_PUBLISH_LIVE], self.storage.tables
        for env, table in (
            (names.ENV_PHOTOS_TABLE, names.PHOTOS_TABLE),
            (names.ENV_COMMENTS_TABLE, names.COMMENTS_TABLE),
            (names.ENV_METERS_TABLE, names.METERS_TABLE),
        ):
            publisher.add_environment(env, tables[table].table_name)
        publisher.role.add_to_policy(
            iam.PolicyStatement(
                actions=["dynamodb:GetItem"],
                resources=[tables[t].table_arn for t in (names.PHOTOS_TABLE, names.COMMENTS_TABLE, names.METERS_TABLE)],
            )
        )
        self.dead_letter_queues["live-rule-dlq"] = self.live.rule_dlq
        self.dead_letter_queues["live-queue-dlq"] = self.live.queue_dlq
        self.rules["live-updates"] = self.live.rule

    def _executions_finding(self, machine: sfn.StateMachine) -> str:
        """The cdk-nag IAM5 finding for every execution of a state machine."""
        resource = machine.node.default_child
        assert isinstance(resource, CfnElement)
        return (
            "arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:"
            f"<{self.get_logical_id(resource)}.Name>:*"
        )

    def _configure_reviews(self) -> None:
        """The review task (stores the token, asks the owner) and the API that answers it."""
        tables, bucket = self.storage.tables, self.storage.uploads
        check_review_retention(
            self.config, Policy.from_document(json.loads(moderation_policy_json())).review.timeout_seconds
        )
        reviews, decisions = tables[names.REVIEWS_TABLE], tables[names.DECISIONS_TABLE]
        review_url = (
            (self.config.gallery_url.rstrip("/").rsplit("/", 1)[0] + "/reviews/") if self.config.gallery_url else ""
        )
        ask = self.functions[names.FN_REQUEST_REVIEW]
        ask.add_environment(names.ENV_REVIEWS_TABLE, reviews.table_name)
        ask.add_environment(names.ENV_ALERTS_TOPIC_ARN, self.notifications.alerts.topic_arn)
        ask.add_environment(names.ENV_CONSOLE_URL, self._console_url())
        if review_url:
            ask.add_environment(names.ENV_REVIEW_URL, review_url)
        ask.role.add_to_policy(
            iam.PolicyStatement(actions=["dynamodb:GetItem", "dynamodb:PutItem"], resources=[reviews.table_arn])
        )
        ask.role.add_to_policy(
            iam.PolicyStatement(actions=["sns:Publish"], resources=[self.notifications.alerts.topic_arn])
        )
        ask.role.add_to_policy(  # the topic is encrypted: publishing needs its key
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=[self.notifications.key.key_arn]
            )
        )

        api_fn = self.functions[names.FN_UPLOAD_API]
        for key, value in {
            names.ENV_REVIEWS_TABLE: reviews.table_name,
            names.ENV_DECISIONS_TABLE: decisions.table_name,
            names.ENV_IMAGE_STATE_MACHINE_ARN: self.image.state_machine.state_machine_arn,
            names.ENV_POLICY_JSON: moderation_policy_json(),
            names.ENV_QUARANTINE_RETENTION_DAYS: str(self.config.quarantine_retention_days),
        }.items():
            api_fn.add_environment(key, value)
        self.image.grant_task_response(api_fn.role)  # POST /reviews/{id}: SendTaskSuccess with the stored token
        api_fn.role.add_to_policy(
            iam.PolicyStatement(
                actions=["dynamodb:GetItem", "dynamodb:Scan", "dynamodb:UpdateItem"], resources=[reviews.table_arn]
            )
        )
        api_fn.role.add_to_policy(  # decision history: read it, and record take-downs
            iam.PolicyStatement(actions=["dynamodb:Query", "dynamodb:PutItem"], resources=[decisions.table_arn])
        )
        api_fn.role.add_to_policy(  # take-down: the photo record keeps its reason
            iam.PolicyStatement(actions=["dynamodb:UpdateItem"], resources=[tables[names.PHOTOS_TABLE].table_arn])
        )
        api_fn.role.add_to_policy(  # appeals and releases re-enter the image workflow at its review step
            iam.PolicyStatement(
                actions=["states:StartExecution"], resources=[self.image.state_machine.state_machine_arn]
            )
        )
        api_fn.role.add_to_policy(  # review images (presigned GETs) and finding a quarantined upload
            iam.PolicyStatement(
                actions=["s3:GetObject"],
                resources=[
                    bucket.arn_for_objects(f"{names.UPLOAD_PREFIX}*"),
                    bucket.arn_for_objects(f"{names.QUARANTINE_PREFIX}*"),
                ],
            )
        )
        api_fn.role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{names.QUARANTINE_PREFIX}{names.UPLOAD_PREFIX}*"]}},
            )
        )
        api_fn.role.add_to_policy(
            iam.PolicyStatement(
                actions=["events:PutEvents"],
                resources=[event_bus_arn(self, names.EVENT_BUS)],
                conditions={
                    "StringEquals": {
                        "events:source": [names.EVENT_SOURCE],
                        "events:detail-type": [names.EVENT_PHOTO_TAKEN_DOWN],
                    }
                },
            )
        )
        self.search.grant(
            api_fn.role,
            ["es:ESHttpDelete"],
            [f"{names.PHOTOS_INDEX}/*"],
            reason="Take-down deletes one design's document from the photos index; ids are per photo.",
        )
        acknowledge(
            api_fn.role,
            "IAM5",
            "Review images are presigned GETs of objects under uploads/* and quarantine/* only (keys are per upload).",
            [self._objects_finding(names.QUARANTINE_PREFIX)],
        )

    def _console_url(self) -> str:
        console = self.node.try_find_child("ConsoleDomain")
        if console is None:
            console = CfnMapping(self, "ConsoleDomain", mapping={p: {"domain": d} for p, d in CONSOLE_DOMAINS.items()})
        assert isinstance(console, CfnMapping)
        return Fn.join(
            "",
            [
                "https://",
                console.find_in_map(Aws.PARTITION, "domain"),
                "/states/home?region=",
                Aws.REGION,
                "#/v2/executions/details/",
            ],
        )

    def _objects_finding(self, prefix: str) -> str:
        """The cdk-nag IAM5 finding for objects under a prefix of the uploads bucket."""
        bucket = self.storage.uploads.node.default_child
        assert isinstance(bucket, CfnElement)
        return f"Resource::<{self.get_logical_id(bucket)}.Arn>/{prefix}*"

    def _outputs(self) -> None:
        outputs = {
            "ApiUrl": (self.api.url, "HTTP API base URL (send the Cognito ID token as Bearer)"),
            "UserPoolId": (self.api.user_pool.user_pool_id, "Cognito user pool"),
            "UserPoolClientId": (self.api.client.user_pool_client_id, "Cognito app client (CLI)"),
            "JwtIssuer": (self.api.issuer, "Issuer the API's JWT authorizer accepts"),
            "UploadsBucketName": (self.storage.uploads.bucket_name, "Uploads bucket"),
            "ImageStateMachineArn": (self.image.state_machine.state_machine_arn, "Image moderation workflow"),
            "AlertsTopicArn": (self.notifications.alerts.topic_arn, "Owner alerts (email)"),
            "OperationsTopicArn": (self.notifications.operations.topic_arn, "CloudWatch alarms (email)"),
            "OpenSearchEndpoint": (self.search.endpoint, "OpenSearch domain endpoint (IAM/SigV4 only)"),
            "CommentStateMachineArn": (self.comment.state_machine.state_machine_arn, "Comment workflow"),
            "DashboardName": (self.observability.dashboard.dashboard_name, "CloudWatch dashboard"),
            "EventsHttpEndpoint": (self.live.http_url, "AppSync Events: POST /event (IAM publish)"),
            "EventsRealtimeEndpoint": (self.live.realtime_url, "AppSync Events WebSocket for the site"),
        }
        for name, table in self.storage.tables.items():
            key = "".join(p.title() for p in name.removeprefix("salon-").split("-")) + "TableName"
            outputs[key] = (table.table_name, f"DynamoDB table {name}")
        for key, (value, description) in outputs.items():
            CfnOutput(self, key, value=value, description=description)
