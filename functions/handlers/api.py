"""The HTTP API (API Gateway HTTP API, payload 2.0, JWT authorizer in front): thin views over the domain.

Routes, and the group each needs, come from functions/wiring.py ROUTES; VIEWS maps each to its function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, NotFoundError, ServiceError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions import config, names, wiring
from functions.adapters import client, search_index
from functions.adapters.dynamodb_photos import published_design
from functions.adapters.eventbridge import publish
from functions.adapters.s3_uploads import S3UploadSigner
from functions.config import HttpApiSettings, comment_policy
from functions.domain import insights
from functions.domain.comments import CommentRefused, submitted_detail
from functions.domain.executions import execution_name
from functions.domain.identity import Caller, caller_from_claims
from functions.domain.uploads import UploadRefused, presign_upload
from functions.errors import InvalidEventError
from functions.schemas import validate

logger = Logger()
tracer = Tracer()
app = APIGatewayHttpResolver()


def settings() -> HttpApiSettings:
    return config.settings(HttpApiSettings)


def port(service: str) -> Any:
    """The injected stand-in for an AWS client, else the process's client."""
    return app.context.get(service) or client(service)


def authorize(route: wiring.Route) -> Caller | None:
    """The signed-in user from the JWT authorizer's claims (None on a public route); 403 unless the route's
    group is one of theirs. The authorizer has already refused requests without a valid token."""
    if route.public:
        return None
    claims = app.current_event.request_context.authorizer.jwt_claim or {}
    who = caller_from_claims(claims)
    if route.groups and not who.in_any(route.groups):
        raise ServiceError(
            403,
            f"This needs one of the groups {', '.join(route.groups)}; "
            f"you are in {', '.join(who.groups) or 'no group'}.",
        )
    return who


def body(schema: str) -> dict[str, Any]:
    try:
        document = app.current_event.json_body
    except UnicodeDecodeError as exc:  # API Gateway base64-encodes bodies that are not UTF-8 text
        raise BadRequestError("The request body is not valid UTF-8.") from exc
    except ValueError as exc:
        raise BadRequestError("The body must be a JSON object.") from exc
    try:
        result: dict[str, Any] = validate(document, schema)
    except InvalidEventError as exc:
        raise BadRequestError(str(exc)) from exc
    return result


def health(who: Caller | None) -> Response:
    """Liveness for load balancers and `salon status`: answers without a token, touches nothing."""
    return Response(200, content_types.APPLICATION_JSON, {"status": "ok"})


@tracer.capture_method
def create_upload(who: Caller) -> Response:
    request = body("upload_request")
    try:
        signer = S3UploadSigner(port("s3"), settings().uploads_bucket)
        grant = presign_upload(signer, who, request["contentType"], settings().max_upload_bytes)
    except UploadRefused as exc:
        raise BadRequestError(str(exc)) from exc
    return Response(201, content_types.APPLICATION_JSON, grant)


@tracer.capture_method
def create_comment(who: Caller, design_id: str) -> Response:
    request = body("comment_request")
    design = published_design(port("dynamodb"), settings().photos_table, design_id)
    if design is None:
        raise NotFoundError(f"Design {design_id!r} does not exist or is not published.")
    try:
        detail = submitted_detail(design, who, request["text"])
    except CommentRefused as exc:
        raise BadRequestError(str(exc)) from exc
    publish(port("events"), settings().event_bus_name, names.EVENT_COMMENT_SUBMITTED, detail)
    event = {"source": names.EVENT_SOURCE, "detail-type": names.EVENT_COMMENT_SUBMITTED, "detail": detail}
    return Response(
        202,
        content_types.APPLICATION_JSON,
        {
            "commentId": detail["commentId"],
            "designId": design_id,
            "status": "received",
            "execution": execution_name(event),
        },
    )


@tracer.capture_method
def get_insights(who: Caller) -> Response:
    """The owner's six questions from the search index. Query parameters: since, until (dates, inclusive),
    minComments, top, recent. Escalations follow the comment policy in force, as AssessComment's do."""
    cfg = settings()
    rule = insights.EscalationRule.from_policy(comment_policy(cfg.comment_policy))
    try:
        request = insights.InsightsRequest.from_query(
            app.current_event.query_string_parameters or {}, rule, cfg.insights_min_comments
        )
    except insights.InsightsRequestError as exc:
        raise BadRequestError(str(exc)) from exc
    index = app.context.get("search_index") or search_index(cfg.search_backend, cfg.search_endpoint, cfg.aws_region)
    return Response(200, content_types.APPLICATION_JSON, insights.answer(index, request).to_dict())


VIEWS: dict[str, Callable[..., Response]] = {
    "health": health,
    "create_upload": create_upload,
    "create_comment": create_comment,
    "get_insights": get_insights,
}


def _endpoint(route: wiring.Route) -> Callable[..., Response]:
    view = VIEWS[route.view]

    def endpoint(**params: str) -> Response:
        return view(authorize(route), **params)

    return endpoint


for _route in wiring.routes_of(names.FN_HTTP_API):  # the route table is the wiring's, paths stated there only
    app.route(_route.path.replace("{", "<").replace("}", ">"), method=_route.method)(_endpoint(_route))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext, ports: dict[str, Any] | None = None) -> dict[str, Any]:
    """ports: stand-ins for the AWS clients ("s3", "dynamodb", "events") and the "search_index" (tests)."""
    app.append_context(**(ports or {}))  # cleared by the resolver after each request
    return app.resolve(event, context)
