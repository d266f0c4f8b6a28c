"""The wiring: every function, HTTP route, trigger, workflow and emitted event, stated once.

CDK-free and boto3-free. infra/ builds the AWS stack from it, salon/local/ provisions the embedded stack
from it, the HTTP handler takes its route table from it and the starter routes events by it; a test
builds both targets and checks that they agree (tests/infra/test_agreement.py).

Adding an HTTP route: one `Route` here, its view in the handler (functions/handlers/api.py), its test.
Adding a triggered function: one `Function` and one `Trigger` here, its handler and settings model, its test.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from functions import config, names
from functions import resources as res
from functions.domain.executions import COMMENT_ID, OBJECT_VERSION
from functions.resources import Resource

# -- functions --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Function:
    name: str  # the Lambda function's logical name (also the local Lambda endpoint's)
    handler: str  # module.attribute
    settings: type  # its settings model (functions/config.py): the variables every target sets

    @property
    def environment(self) -> dict[str, Resource]:
        return config.environment_of(self.settings)


FUNCTIONS: tuple[Function, ...] = (
    Function(names.FN_INSPECT_UPLOAD, "functions.handlers.inspect_upload.handler", config.InspectUploadSettings),
    Function(names.FN_EVALUATE_POLICY, "functions.handlers.evaluate_policy.handler", config.EvaluatePolicySettings),
    Function(names.FN_INDEX_DOCUMENT, "functions.handlers.index_document.handler", config.IndexDocumentSettings),
    Function(names.FN_RENDER_ALERT, "functions.handlers.render_alert.handler", config.RenderAlertSettings),
    Function(names.FN_REQUEST_REVIEW, "functions.handlers.request_review.handler", config.RequestReviewSettings),
    Function(names.FN_START_WORKFLOW, "functions.handlers.start_workflow.handler", config.StartWorkflowSettings),
    Function(names.FN_ASSESS_COMMENT, "functions.handlers.assess_comment.handler", config.AssessCommentSettings),
    Function(names.FN_SCREEN_COMMENT, "functions.handlers.screen_comment.handler", config.ScreenCommentSettings),
    Function(names.FN_HTTP_API, "functions.handlers.api.handler", config.HttpApiSettings),
    Function(names.FN_RECONCILE, "functions.handlers.reconcile.handler", config.ReconcileSettings),
    Function(names.FN_PUBLISH_LIVE, "functions.handlers.publish_live.handler", config.PublishLiveSettings),
    Function(
        names.FN_REPORT_STRAY_OBJECT,
        "functions.handlers.report_stray_object.handler",
        config.ReportStrayObjectSettings,
    ),
    Function(
        names.FN_POST_CONFIRMATION, "functions.handlers.post_confirmation.handler", config.PostConfirmationSettings
    ),
)


def function(name: str) -> Function:
    for fn in FUNCTIONS:
        if fn.name == name:
            return fn
    raise KeyError(f"no function named {name!r} in the wiring")


# -- HTTP routes ------------------------------------------------------------------------------------

PUBLIC = "public"  # anyone; no token
SIGNED_IN = "signed-in"  # any valid token of the user pool's app client


@dataclass(frozen=True)
class Route:
    """One HTTP API route. The API's JWT authorizer enforces sign-in (every route but PUBLIC ones); the
    handler enforces the group from this same entry."""

    method: str
    path: str  # API Gateway style: /designs/{design_id}/comments
    view: str  # the handler's function for it (functions/handlers/api.py VIEWS)
    access: str  # PUBLIC, SIGNED_IN or a Cognito group
    function: str = names.FN_HTTP_API

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def public(self) -> bool:
        return self.access == PUBLIC

    @property
    def groups(self) -> tuple[str, ...]:
        """The groups that may call it; () when any signed-in user (or anyone) may."""
        return () if self.access in (PUBLIC, SIGNED_IN) else (self.access,)


ROUTES: tuple[Route, ...] = (
    Route("GET", "/health", "health", PUBLIC),
    Route("POST", "/uploads", "create_upload", names.GROUP_DESIGNER),
    Route("POST", "/designs/{design_id}/comments", "create_comment", names.GROUP_CUSTOMER),
    Route("GET", names.ROUTE_INSIGHTS, "get_insights", names.GROUP_OWNER),
    Route("GET", "/designs", "list_designs", PUBLIC),
    Route("GET", "/designs/{design_id}", "get_design", PUBLIC),
    Route("GET", "/designers/{designer_id}/designs", "designer_album", PUBLIC),
    Route("GET", "/me/uploads", "my_uploads", names.GROUP_DESIGNER),
    Route("GET", "/reviews", "list_reviews", names.GROUP_OWNER),
    Route("POST", "/reviews/{photo_id}", "decide_review", names.GROUP_OWNER),
    Route("POST", "/me/uploads/{photo_id}/appeal", "appeal", names.GROUP_DESIGNER),
    Route("GET", "/quarantine", "list_quarantine", names.GROUP_OWNER),
    Route("POST", "/quarantine/{photo_id}/release", "release", names.GROUP_OWNER),
    Route("POST", "/designs/{design_id}/takedown", "take_down", names.GROUP_OWNER),
    Route("GET", "/me/comments", "my_comments", SIGNED_IN),
    Route("GET", "/held-comments", "held_comments", names.GROUP_OWNER),
    Route("POST", "/held-comments/{comment_id}", "decide_comment", names.GROUP_OWNER),
)


@dataclass(frozen=True)
class Cors:
    """The HTTP API's CORS: what a browser on the gallery's origin may send. An HTTP API has one CORS
    configuration for all its routes, so it is stated once here; the allowed origin is the deployment's
    gallery site (infra config `galleryUrl`; none on the embedded stack, which serves the gallery itself)."""

    headers: tuple[str, ...] = ("authorization", "content-type")
    max_age_s: int = 600

    @property
    def methods(self) -> tuple[str, ...]:
        return tuple(sorted({r.method for r in ROUTES}))


CORS = Cors()


def routes_of(function_name: str) -> list[Route]:
    return [r for r in ROUTES if r.function == function_name]


# -- workflows --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Workflow:
    key: str  # workflows/<key>.asl.json
    state_machine: str  # its name (the local stack's; CDK generates the AWS one)
    construct_id: str
    placeholders: Mapping[str, Resource]  # every ${Placeholder} of the file -> what it names
    kind: str = "STANDARD"  # Standard: the starter dedups by execution name (docs/decisions.md)

    @property
    def arn(self) -> Resource:
        return res.state_machine(self.state_machine)


def construct_id_for(function_name: str) -> str:
    """'salon-inspect-upload' -> 'InspectUpload'."""
    return "".join(part.title() for part in function_name.removeprefix("salon-").split("-"))


def arn_placeholder(function_name: str) -> str:
    """The ASL placeholder naming a function: 'salon-inspect-upload' -> 'InspectUploadFunctionArn'."""
    return construct_id_for(function_name) + "FunctionArn"


def _function_arns(*function_names: str) -> dict[str, Resource]:
    return {arn_placeholder(n): res.function(n) for n in function_names}


WORKFLOWS: tuple[Workflow, ...] = (
    Workflow(
        "image_moderation",
        names.IMAGE_STATE_MACHINE,
        "ImageModeration",
        {
            "Partition": res.PARTITION,
            **_function_arns(
                names.FN_INSPECT_UPLOAD,
                names.FN_EVALUATE_POLICY,
                names.FN_INDEX_DOCUMENT,
                names.FN_RENDER_ALERT,
                names.FN_REQUEST_REVIEW,
            ),
            "PhotosTable": res.table(names.PHOTOS_TABLE),
            "DecisionsTable": res.table(names.DECISIONS_TABLE),
            "ReviewsTable": res.table(names.REVIEWS_TABLE),
            "AlertsTopicArn": res.ALERTS_TOPIC,
            "EventBusName": res.EVENT_BUS,
            "QuarantinePrefix": res.literal(names.QUARANTINE_PREFIX),
        },
    ),
    Workflow(
        "comment_sentiment",
        names.COMMENT_STATE_MACHINE,
        "CommentSentiment",
        {
            "Partition": res.PARTITION,
            **_function_arns(
                names.FN_SCREEN_COMMENT, names.FN_ASSESS_COMMENT, names.FN_INDEX_DOCUMENT, names.FN_RENDER_ALERT
            ),
            "CommentsTable": res.table(names.COMMENTS_TABLE),
            "MetersTable": res.table(names.METERS_TABLE),
            "AlertsTopicArn": res.ALERTS_TOPIC,
            "EventBusName": res.EVENT_BUS,
        },
    ),
)


def workflow(key: str) -> Workflow:
    for wf in WORKFLOWS:
        if wf.key == key:
            return wf
    raise KeyError(f"no workflow {key!r} in the wiring")


# -- triggers: EventBridge rule -> SQS queue (+ DLQs) -> starter -> workflow -------------------------


@dataclass(frozen=True)
class Trigger:
    rule: str
    description: str
    pattern: Mapping[str, Any]  # EventBridge pattern; Resource values resolve per target
    queue: str
    dead_letter_queue: str
    workflow: str  # Workflow.key
    schema: str  # what the starter validates the event against (schemas/<schema>.schema.json)
    naming: str  # how the execution is named (functions/domain/executions.py)
    function: str = names.FN_START_WORKFLOW

    @property
    def source(self) -> str:
        [source] = self.pattern["source"]
        return str(source)

    @property
    def detail_type(self) -> str:
        [detail_type] = self.pattern["detail-type"]
        return str(detail_type)


TRIGGERS: tuple[Trigger, ...] = (
    Trigger(
        names.UPLOAD_RULE,
        "S3 Object Created under uploads/ -> image workflow queue",
        {
            "source": ["aws.s3"],
            "detail-type": ["Object Created"],
            "detail": {"bucket": {"name": [res.UPLOADS_BUCKET]}, "object": {"key": [{"prefix": names.UPLOAD_PREFIX}]}},
        },
        names.UPLOAD_EVENTS_QUEUE,
        names.UPLOAD_EVENTS_DLQ,
        "image_moderation",
        "s3_object_created_event",
        OBJECT_VERSION,
    ),
    Trigger(
        names.COMMENT_RULE,
        "CommentSubmitted -> comment workflow queue",
        {"source": [names.EVENT_SOURCE], "detail-type": [names.EVENT_COMMENT_SUBMITTED]},
        names.COMMENT_EVENTS_QUEUE,
        names.COMMENT_EVENTS_DLQ,
        "comment_sentiment",
        "comment_submitted_event",
        COMMENT_ID,
    ),
)


@dataclass(frozen=True)
class Delivery:
    """EventBridge rule -> SQS queue (+ DLQs) -> a function consuming the queue itself (no workflow)."""

    rule: str
    description: str
    pattern: Mapping[str, Any]
    queue: str
    dead_letter_queue: str
    function: str


DELIVERIES: tuple[Delivery, ...] = (
    Delivery(
        names.LIVE_RULE,
        "Workflow outcomes -> live updates queue",
        {"source": [names.EVENT_SOURCE], "detail-type": list(names.LIVE_EVENT_TYPES)},
        names.LIVE_EVENTS_QUEUE,
        names.LIVE_EVENTS_DLQ,
        names.FN_PUBLISH_LIVE,
    ),
    Delivery(
        names.STRAY_RULE,
        "S3 Object Created outside the stack's prefixes -> owner alert, object quarantined",
        {
            "source": ["aws.s3"],
            "detail-type": ["Object Created"],
            "detail": {
                "bucket": {"name": [res.UPLOADS_BUCKET]},
                "object": {"key": [{"anything-but": {"wildcard": [f"{p}*" for p in names.STACK_PREFIXES]}}]},
            },
        },
        names.STRAY_EVENTS_QUEUE,
        names.STRAY_EVENTS_DLQ,
        names.FN_REPORT_STRAY_OBJECT,
    ),
)


def delivery(rule: str) -> Delivery:
    for item in DELIVERIES:
        if item.rule == rule:
            return item
    raise KeyError(f"no delivery {rule!r} in the wiring")


def trigger_for(event: Any) -> Trigger | None:
    """The trigger whose rule delivers this event (by source and detail-type), if any."""
    if not isinstance(event, dict):
        return None
    for trigger in TRIGGERS:
        if event.get("source") == trigger.source and event.get("detail-type") == trigger.detail_type:
            return trigger
    return None


def resolve_pattern(pattern: Any, value_of: Any) -> Any:
    """The pattern with every Resource replaced by what `value_of(resource)` says it is on a target."""
    if isinstance(pattern, Resource):
        return value_of(pattern)
    if isinstance(pattern, Mapping):
        return {k: resolve_pattern(v, value_of) for k, v in pattern.items()}
    if isinstance(pattern, list | tuple):
        return [resolve_pattern(v, value_of) for v in pattern]
    return pattern


# -- schedules: a function invoked at a fixed rate (EventBridge Scheduler on AWS; `salon` commands locally) --


@dataclass(frozen=True)
class Schedule:
    name: str
    description: str
    every_minutes: int
    function: str
    payload: Mapping[str, Any]  # the invocation's event
    schema: str  # what the function validates it against (schemas/<schema>.schema.json)


SCHEDULES: tuple[Schedule, ...] = (
    Schedule(
        "salon-reconcile",
        "Hourly reconcile: every upload decided, every comment analysed, meters and index exact",
        60,
        names.FN_RECONCILE,
        {"repair": True},
        "reconcile_input",
    ),
)


def schedules_of(function_name: str) -> list[Schedule]:
    return [s for s in SCHEDULES if s.function == function_name]


# -- events the system emits ------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    detail_type: str
    emitted_by: str  # a workflow key or a function name
    schema: str | None = None  # schemas/<schema>.schema.json when the event has a contract
    source: str = names.EVENT_SOURCE


EVENTS: tuple[Event, ...] = (
    Event(names.EVENT_COMMENT_SUBMITTED, names.FN_HTTP_API, "comment_submitted_event"),
    Event(names.EVENT_PHOTO_PUBLISHED, "image_moderation"),
    Event(names.EVENT_PHOTO_REJECTED, "image_moderation"),
    Event(names.EVENT_PHOTO_QUARANTINED, "image_moderation"),
    Event(names.EVENT_PHOTO_IN_REVIEW, "image_moderation"),
    Event(names.EVENT_PHOTO_TAKEN_DOWN, names.FN_HTTP_API),
    Event(names.EVENT_COMMENT_ANALYZED, "comment_sentiment"),
    Event(names.EVENT_COMMENT_SHOWN, names.FN_HTTP_API),
)


def resources_used() -> Iterator[Resource]:
    """Every resource the wiring names (each target must resolve all of them)."""
    for fn in FUNCTIONS:
        yield from fn.environment.values()
    for wf in WORKFLOWS:
        yield from wf.placeholders.values()
    routed: list[Trigger | Delivery] = [*TRIGGERS, *DELIVERIES]
    for trigger in routed:
        stack: list[Any] = [trigger.pattern]
        while stack:
            item = stack.pop()
            if isinstance(item, Resource):
                yield item
            elif isinstance(item, Mapping):
                stack.extend(item.values())
            elif isinstance(item, list | tuple):
                stack.extend(item)
