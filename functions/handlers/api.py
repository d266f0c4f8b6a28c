"""The HTTP API (API Gateway HTTP API, payload 2.0, JWT authorizer in front): thin routes over the domain."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, NotFoundError, ServiceError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions import names
from functions.adapters import client, gallery_store
from functions.adapters.records import publish, published_design
from functions.config import settings
from functions.domain import gallery
from functions.domain.bodies import BodyRefused
from functions.domain.bodies import parse as parse_body
from functions.domain.comments import CommentRefused, submitted_detail
from functions.domain.executions import execution_name
from functions.domain.identity import Caller, caller_from_claims
from functions.domain.insights import InsightsRequestError
from functions.domain.uploads import UploadRefused, presign_upload
from functions.errors import InvalidEventError
from functions.handlers import insights_api
from functions.schemas import validate

logger = Logger()
tracer = Tracer()
app = APIGatewayHttpResolver()


def caller(*groups: str) -> Caller:
    """The signed-in user from the JWT authorizer's claims; 403 unless in one of the groups."""
    claims = app.current_event.request_context.authorizer.jwt_claim or {}
    who = caller_from_claims(claims)
    if not who.in_any(groups):
        raise ServiceError(
            403, f"This needs one of the groups {', '.join(groups)}; you are in {', '.join(who.groups) or 'no group'}."
        )
    return who


def body(schema: str) -> dict[str, Any]:
    try:
        document = parse_body(app.current_event.decoded_body)
    except UnicodeDecodeError as exc:  # API Gateway base64-encodes bodies that are not UTF-8 text
        raise BadRequestError("The request body is not valid UTF-8.") from exc
    except BodyRefused as exc:
        raise BadRequestError(str(exc)) from exc
    try:
        result: dict[str, Any] = validate(document, schema)
    except InvalidEventError as exc:
        raise BadRequestError(str(exc)) from exc
    return result


@app.post("/uploads")
@tracer.capture_method
def create_upload() -> Response:
    who = caller(names.GROUP_DESIGNER)
    request = body("upload_request")
    try:
        grant = presign_upload(
            client("s3"), settings().uploads_bucket, who, request["contentType"], settings().max_upload_bytes
        )
    except UploadRefused as exc:
        raise BadRequestError(str(exc)) from exc
    return Response(201, content_types.APPLICATION_JSON, grant)


@app.post("/designs/<design_id>/comments")
@tracer.capture_method
def create_comment(design_id: str) -> Response:
    who = caller(names.GROUP_CUSTOMER)
    request = body("comment_request")
    design = published_design(client("dynamodb"), settings().photos_table, design_id)
    if design is None:
        raise NotFoundError(f"Design {design_id!r} does not exist or is not published.")
    try:
        detail = submitted_detail(design, who, request["text"])
    except CommentRefused as exc:
        raise BadRequestError(str(exc)) from exc
    publish(client("events"), settings().event_bus_name, names.EVENT_COMMENT_SUBMITTED, detail)
    return Response(
        202,
        content_types.APPLICATION_JSON,
        {
            "commentId": detail["commentId"],
            "designId": design_id,
            "status": "received",
            "execution": execution_name({"detail-type": names.EVENT_COMMENT_SUBMITTED, "detail": detail}),
        },
    )


@app.get(names.ROUTE_INSIGHTS)
@tracer.capture_method
def get_insights() -> Response:
    caller(names.GROUP_OWNER)
    try:
        answers = insights_api.answers(app.current_event.query_string_parameters or {})
    except InsightsRequestError as exc:
        raise BadRequestError(str(exc)) from exc
    return Response(200, content_types.APPLICATION_JSON, answers)


def page_args() -> tuple[int, str | None]:
    query = app.current_event.query_string_parameters or {}
    raw = query.get("limit", "20")
    if not raw.isdigit() or not 1 <= int(raw) <= gallery_store.MAX_PAGE:
        raise BadRequestError(f"limit must be a whole number from 1 to {gallery_store.MAX_PAGE}.")
    cursor = query.get("cursor") or None
    if cursor is not None and len(cursor) > 1024:
        raise BadRequestError("The cursor is not valid.")
    return int(raw), cursor


def designs_page(designer_sub: str | None = None) -> Response:
    limit, cursor = page_args()
    try:
        items, following = gallery_store.published_page(
            client("dynamodb"), settings().photos_table, limit, cursor, designer_sub
        )
    except gallery_store.BadCursor as exc:
        raise BadRequestError(str(exc)) from exc
    document = {"designs": [gallery.design_view(i) for i in items], "next": following}
    return Response(200, content_types.APPLICATION_JSON, document)


@app.get("/designs")
@tracer.capture_method
def list_designs() -> Response:
    """Published designs, newest first, paged (?limit=&cursor=). Public."""
    return designs_page()


@app.get("/designs/<design_id>")
@tracer.capture_method
def get_design(design_id: str) -> Response:
    """A published design with its visible comments and meter. Public; unknown or unpublished: 404."""
    cfg, ddb = settings(), client("dynamodb")
    item = gallery_store.get_item(ddb, cfg.photos_table, "photoId", design_id)
    if item is None or item.get("status", {}).get("S") != "published":
        raise NotFoundError(f"Design {design_id!r} does not exist or is not published.")
    comments = gallery_store.design_comments(ddb, cfg.comments_table, design_id)
    meter = gallery_store.get_item(ddb, cfg.meters_table, "designId", design_id)
    document = {
        "design": gallery.design_view(item),
        "comments": [gallery.comment_view(c) for c in comments if gallery.visible(c)],
        "meter": gallery.meter_view(design_id, meter),
    }
    return Response(200, content_types.APPLICATION_JSON, document)


@app.get("/designers/<designer_id>/designs")
@tracer.capture_method
def designer_album(designer_id: str) -> Response:
    """One designer's published designs (by Cognito sub), newest first, paged. Public."""
    if not designer_id or len(designer_id) > 128:
        raise NotFoundError("No such designer.")
    return designs_page(designer_id)


@app.get("/me/uploads")
@tracer.capture_method
def my_uploads() -> Response:
    """The signed-in designer's own uploads with status and reasons, refused ones included."""
    who = caller(names.GROUP_DESIGNER)
    decisions = gallery_store.designer_decisions(client("dynamodb"), settings().decisions_table, who.username)
    return Response(200, content_types.APPLICATION_JSON, {"uploads": [gallery.upload_view(d) for d in decisions]})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
