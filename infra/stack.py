"""The Salon Insights stack: one stack, one construct per part of the design (see docs/deploy.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_cdk import Aws, CfnElement, CfnMapping, CfnOutput, Duration, Fn, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from functions import config as function_config
from functions import names, wiring
from functions import resources as res
from functions.resources import Resource
from infra.api import Api
from infra.bundling import LambdaAssets
from infra.config import DeployConfig
from infra.ingestion import QueuedDelivery, QueuedWorkflowStart
from infra.lambdas import LambdaFunctions
from infra.live import LiveUpdates
from infra.nag import acknowledge
from infra.notifications import Notifications
from infra.observability import Observability
from infra.reconcile import Reconciliation
from infra.search import Search
from infra.site import Site
from infra.storage import Storage, check_review_retention
from infra.workflows import AslStateMachine, Ref, event_bus_arn

IMAGE_WORKFLOW = "image_moderation"
COMMENT_WORKFLOW = "comment_sentiment"
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


def moderation_policy_json() -> str:
    return function_config.policy_document("moderation_policy")


def comment_policy_json() -> str:
    return function_config.policy_document("comment_policy")


class SalonStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: DeployConfig, assets: LambdaAssets) -> None:
        super().__init__(
            scope,
            construct_id,
            description="Salon Insights: moderated design gallery, comment sentiment and owner insights",
        )
        self.config = config
        self.storage = Storage(self, "Storage", config=config)
        self.site = Site(
            self, "Site", uploads=self.storage.uploads, access_logs=self.storage.access_logs, config=config
        )
        self.site_origin = config.site_origin or self.site.origin  # the only origin CORS allows
        self.notifications = Notifications(self, "Notifications", config=config)
        self.search = Search(self, "Search", config=config)
        self.functions = LambdaFunctions(self, "Functions", assets=assets, config=config)
        self._grant_functions()
        self.api = Api(self, "Api", functions=self.functions, config=config, site_origin=self.site_origin)
        self._grant_api_function()
        self.live = LiveUpdates(
            self,
            "Live",
            user_pool=self.api.user_pool,
            publisher=self.functions[names.FN_PUBLISH_LIVE],
            config=config,
        )

        uploads = self.storage.uploads
        self.state_machines: dict[str, sfn.StateMachine] = {}
        machines: dict[str, AslStateMachine] = {}
        dynamic = {IMAGE_WORKFLOW: self._image_object_access(uploads)}  # keys come from the event
        # AskOwner's input carries the task token: no execution data in the image workflow's logs
        # (trade-off: docs/decisions.md).
        log_execution_data = {IMAGE_WORKFLOW: False}
        for workflow in wiring.WORKFLOWS:
            machines[workflow.key] = AslStateMachine(
                self,
                workflow.construct_id,
                workflow=workflow.key,
                refs={placeholder: self._ref(r) for placeholder, r in workflow.placeholders.items()},
                config=config,
                state_machine_type=sfn.StateMachineType(workflow.kind),
                dynamic_resources=dynamic.get(workflow.key),
                log_execution_data=log_execution_data.get(workflow.key, True),
            )
            self.state_machines[workflow.key] = machines[workflow.key].state_machine
        self.image, self.comment = machines[IMAGE_WORKFLOW], machines[COMMENT_WORKFLOW]
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

        self.dead_letter_queues: dict[str, Any] = {}
        self.rules: dict[str, events.Rule] = {}
        self.starts: dict[str, QueuedWorkflowStart] = {}
        for trigger in wiring.TRIGGERS:
            pattern = wiring.resolve_pattern(trigger.pattern, self._value)
            start = QueuedWorkflowStart(
                self,
                trigger_construct_id(trigger),
                description=trigger.description,
                pattern=events.EventPattern(
                    source=pattern["source"], detail_type=pattern["detail-type"], detail=pattern.get("detail")
                ),
                starter=self.functions[trigger.function],
                state_machine=self.state_machines[trigger.workflow],
            )
            short = trigger.rule.removeprefix("salon-")
            self.starts[trigger.rule] = start
            self.rules[short] = start.rule
            self.dead_letter_queues[f"{short.split('-')[0]}-rule-dlq"] = start.rule_dlq
            self.dead_letter_queues[f"{short.split('-')[0]}-queue-dlq"] = start.queue_dlq
        self.image_start = self.starts[names.UPLOAD_RULE]
        self.comment_start = self.starts[names.COMMENT_RULE]
        self._grant_reviews()
        self._grant_comment_moderation()
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
        self.stray_objects = self._stray_objects()
        self.rules["stray-object-created"] = self.stray_objects.rule
        self.dead_letter_queues["stray-rule-dlq"] = self.stray_objects.rule_dlq
        self.dead_letter_queues["stray-queue-dlq"] = self.stray_objects.queue_dlq
        self._set_environments()

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
        self.site.publish(  # also sets the uploads bucket's CORS (the pages' presigned POSTs) to the site origin
            uploads=self.storage.uploads,
            origin=self.site_origin,
            config=config,
            site_config={
                "apiUrl": self.api.url,  # the $default stage's URL ends with "/": web/api.js joins paths to it
                "region": Aws.REGION,
                "userPoolId": self.api.user_pool.user_pool_id,
                "userPoolClientId": self.api.client.user_pool_client_id,
                "cognitoEndpoint": f"https://cognito-idp.{Aws.REGION}.{Aws.URL_SUFFIX}/",
                "eventsHttpEndpoint": self.live.http_url,
                "eventsRealtimeEndpoint": self.live.realtime_url.removesuffix("/event/realtime"),
                "eventsApiKey": self.live.api.api_keys["site-subscribe"].attr_api_key,
                "privateImagesOrigin": self.site.uploads_origin,
            },
        )
        self._outputs()

    def _stray_objects(self) -> QueuedDelivery:
        """Objects written outside the stack's prefixes: the owner is alerted, the object moved to quarantine/stray/."""
        delivery = wiring.delivery(names.STRAY_RULE)
        pattern = wiring.resolve_pattern(delivery.pattern, self._value)
        fn, bucket = self.functions[delivery.function], self.storage.uploads
        stray = QueuedDelivery(
            self,
            "StrayObjects",
            description=delivery.description,
            pattern=events.EventPattern(
                source=pattern["source"], detail_type=pattern["detail-type"], detail=pattern["detail"]
            ),
            consumer=fn,
            retention=Duration.days(4),
        )
        # Any key outside the stack's prefixes may be stray: read it (HEAD), copy it, delete it; never the
        # stack's own objects (an explicit deny, whatever the pattern lets through).
        fn.role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "s3:GetObject",
                    "s3:GetObjectVersion",
                    "s3:GetObjectTagging",
                    "s3:GetObjectVersionTagging",
                    "s3:DeleteObject",
                ],
                resources=[bucket.arn_for_objects("*")],
            )
        )
        fn.role.add_to_policy(
            iam.PolicyStatement(
                effect=iam.Effect.DENY,
                actions=["s3:DeleteObject", "s3:DeleteObjectVersion"],
                resources=[bucket.arn_for_objects(f"{prefix}*") for prefix in names.STACK_PREFIXES],
            )
        )
        fn.role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject", "s3:PutObjectTagging"],
                resources=[bucket.arn_for_objects(f"{names.STRAY_PREFIX}*")],
            )
        )
        fn.role.add_to_policy(
            iam.PolicyStatement(actions=["sns:Publish"], resources=[self.notifications.alerts.topic_arn])
        )
        fn.role.add_to_policy(  # the topic is encrypted: publishing needs its key
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=[self.notifications.key.key_arn]
            )
        )
        acknowledge(
            fn.role,
            "IAM5",
            "A stray object may have any key outside the stack's prefixes (those are denied explicitly), so "
            "reading and deleting it is granted on the bucket's objects; writes go under quarantine/stray/ only.",
            [self._objects_finding(""), self._objects_finding(names.STRAY_PREFIX)],
        )
        return stray

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

    def _value(self, resource: Resource) -> str:
        """What a wiring resource is on AWS (a CloudFormation value)."""
        tables = self.storage.tables
        kind, name = resource.kind, resource.name
        if kind == "table":
            return tables[name].table_name
        if kind == "bucket" and name == names.UPLOADS_BUCKET:
            return self.storage.uploads.bucket_name
        if kind == "topic" and name == names.ALERTS_TOPIC:
            return self.notifications.alerts.topic_arn
        if kind == "event-bus":
            return name  # the account's default bus, by name
        if kind == "function":
            return self.functions[name].function.function_arn
        if kind == "state-machine":
            [key] = [w.key for w in wiring.WORKFLOWS if w.state_machine == name]
            return self.state_machines[key].state_machine_arn
        if kind == "partition":
            return Aws.PARTITION
        if kind == "literal":
            return name
        deployment = self._deployment_value(resource)
        if deployment is not None:
            return deployment
        if kind == "policy":
            return function_config.policy_document(name)
        raise ValueError(f"infra cannot resolve {resource}")

    def _deployment_value(self, resource: Resource) -> str | None:
        """The deployment's own values (search engine, limits, URLs); None for any other resource."""
        gallery = self.config.gallery_url
        review = gallery.rstrip("/").rsplit("/", 1)[0] + "/reviews/" if gallery else f"{self.site.url}#/reviews/"
        gallery = gallery or f"{self.site.url}#/designs/"
        values: dict[Resource, Callable[[], str]] = {
            res.SEARCH_BACKEND: lambda: "opensearch",
            res.SEARCH_ENDPOINT: lambda: self.search.endpoint,
            res.MAX_UPLOAD_BYTES: lambda: str(self.config.max_upload_bytes),
            res.CONSOLE_URL: self._console_url,
            res.GALLERY_URL: lambda: gallery,
            res.REVIEW_URL: lambda: review,  # the owner's review page, beside the gallery's design pages
            res.QUARANTINE_RETENTION_DAYS: lambda: str(self.config.quarantine_retention_days),
            res.EVENTS_HTTP_URL: lambda: self.live.http_url,
        }
        value = values.get(resource)
        return None if value is None else value()

    def _ref(self, resource: Resource) -> Ref:
        """What an ASL placeholder stands for on AWS: the value, and the ARN IAM statements name."""
        if resource.kind == "table":
            table = self.storage.tables[resource.name]
            return Ref(table.table_name, table.table_arn)
        if resource.kind == "topic":
            topic = self.notifications.alerts
            return Ref(topic.topic_arn, topic.topic_arn, self.notifications.key.key_arn)
        if resource.kind == "event-bus":
            return Ref(resource.name, event_bus_arn(self, resource.name))
        if resource.kind == "function":
            arn = self.functions[resource.name].function.function_arn
            return Ref(arn, arn)
        return Ref(self._value(resource))

    def _set_environments(self) -> None:
        """Each function gets exactly the variables of its settings model (functions/wiring.py)."""
        for fn in wiring.FUNCTIONS:
            for variable, resource in fn.environment.items():
                if resource.kind != "runtime":  # AWS_REGION: the Lambda runtime sets it
                    self.functions[fn.name].add_environment(variable, self._value(resource))

    def _grant_functions(self) -> None:
        fns, tables, bucket = self.functions, self.storage.tables, self.storage.uploads

        inspect = fns[names.FN_INSPECT_UPLOAD]
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

        index = fns[names.FN_INDEX_DOCUMENT]
        self.search.grant(
            index.role,
            ["es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpDelete"],
            [*SEARCH_INDEX_PATHS, "_bulk"],
            reason="Document APIs on the photos and comments indexes only: document ids are "
            "per photo and comment, so the grant is the index path.",
        )

        assess = fns[names.FN_ASSESS_COMMENT]
        assess.role.add_to_policy(
            iam.PolicyStatement(  # the rolling window: a transaction (Put marker + Update bucket), one BatchGet
                actions=["dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
                resources=[tables[names.COUNTERS_TABLE].table_arn],
            )
        )
        # FN_START_WORKFLOW: granted by QueuedWorkflowStart (queues, StartExecution).

    def _grant_api_function(self) -> None:
        api_fn, bucket = self.functions[names.FN_HTTP_API], self.storage.uploads
        photos = self.storage.tables[names.PHOTOS_TABLE]
        # Presigned POSTs are signed with this role: the upload itself is authorised as s3:PutObject.
        api_fn.role.add_to_policy(
            iam.PolicyStatement(actions=["s3:PutObject"], resources=[bucket.arn_for_objects(f"{names.UPLOAD_PREFIX}*")])
        )
        # POST /designs/{id}/comments: is the design published? then emit CommentSubmitted, nothing else.
        api_fn.role.add_to_policy(iam.PolicyStatement(actions=["dynamodb:GetItem"], resources=[photos.table_arn]))
        self._grant_put_event(api_fn.role, names.EVENT_COMMENT_SUBMITTED)
        # Gallery reads: published designs (photos byStatus), comments (byDesign), meters, own decisions.
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
        """publish-live reads the photo, comment and meter an event names (GetItem only); its variables are
        PublishLiveSettings' (set from the wiring)."""
        publisher, tables = self.functions[names.FN_PUBLISH_LIVE], self.storage.tables
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

    def _grant_reviews(self) -> None:
        """The review task (stores the token, asks the owner) and the API that answers it."""
        tables, bucket = self.storage.tables, self.storage.uploads
        check_review_retention(self.config, function_config.default_moderation_policy().review.timeout_seconds)
        reviews, decisions = tables[names.REVIEWS_TABLE], tables[names.DECISIONS_TABLE]
        ask = self.functions[names.FN_REQUEST_REVIEW]
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

        api_fn = self.functions[names.FN_HTTP_API]
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
        api_fn.role.add_to_policy(  # take-down: the published copy goes (the rendition stays under renditions/)
            iam.PolicyStatement(
                actions=["s3:DeleteObject"], resources=[bucket.arn_for_objects(f"{names.PUBLISHED_PREFIX}*")]
            )
        )
        api_fn.role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{names.QUARANTINE_PREFIX}{names.UPLOAD_PREFIX}*"]}},
            )
        )
        self._grant_put_event(api_fn.role, names.EVENT_PHOTO_TAKEN_DOWN)
        self.search.grant(
            api_fn.role,
            ["es:ESHttpDelete"],
            [f"{names.PHOTOS_INDEX}/*"],
            reason="Take-down deletes one design's document from the photos index; ids are per photo.",
        )
        acknowledge(
            api_fn.role,
            "IAM5",
            "Review images are presigned GETs of objects under uploads/* and quarantine/* only (keys are per upload); "
            "a take-down deletes the design's copy under published/* (keys are per design).",
            [self._objects_finding(names.QUARANTINE_PREFIX), self._objects_finding(names.PUBLISHED_PREFIX)],
        )

    def _grant_comment_moderation(self) -> None:
        """GET /me/comments and the owner's queue (two comment indexes); approve and reject a held comment
        (its item, its index document, CommentShown for the live channel)."""
        api_fn, comments = self.functions[names.FN_HTTP_API], self.storage.tables[names.COMMENTS_TABLE]
        api_fn.role.add_to_policy(
            iam.PolicyStatement(
                actions=["dynamodb:Query"],
                resources=[
                    f"{comments.table_arn}/index/{names.COMMENTS_BY_AUTHOR_INDEX}",
                    f"{comments.table_arn}/index/{names.COMMENTS_BY_VISIBILITY_INDEX}",
                ],
            )
        )
        api_fn.role.add_to_policy(
            iam.PolicyStatement(actions=["dynamodb:GetItem", "dynamodb:UpdateItem"], resources=[comments.table_arn])
        )
        self._grant_put_event(api_fn.role, names.EVENT_COMMENT_SHOWN)
        self.search.grant(
            api_fn.role,
            ["es:ESHttpGet", "es:ESHttpPut", "es:ESHttpPost"],
            [f"{names.COMMENTS_INDEX}/*"],
            reason="Approve and reject rewrite one comment's document (its visibility); ids are per comment.",
        )

    def _grant_put_event(self, role: iam.Role, detail_type: str) -> None:
        """PutEvents on the stack's bus for one detail-type of the stack's own source, nothing else."""
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["events:PutEvents"],
                resources=[event_bus_arn(self, names.EVENT_BUS)],
                conditions={
                    "StringEquals": {"events:source": [names.EVENT_SOURCE], "events:detail-type": [detail_type]}
                },
            )
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
            "GalleryUrl": (self.site.url, "The gallery site (CloudFront)"),
        }
        for name, table in self.storage.tables.items():
            key = "".join(p.title() for p in name.removeprefix("salon-").split("-")) + "TableName"
            outputs[key] = (table.table_name, f"DynamoDB table {name}")
        for key, (value, description) in outputs.items():
            CfnOutput(self, key, value=value, description=description)


def trigger_construct_id(trigger: wiring.Trigger) -> str:
    """The construct id of a trigger's rule, queues and event source: 'ImageIngestion', 'CommentIngestion'."""
    return {IMAGE_WORKFLOW: "ImageIngestion", COMMENT_WORKFLOW: "CommentIngestion"}.get(
        trigger.workflow, wiring.construct_id_for(trigger.rule) + "Ingestion"
    )
