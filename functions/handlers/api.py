"""The HTTP API (API Gateway HTTP API, payload 2.0, JWT authorizer in front): thin routes over the domain."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, NotFoundError, ServiceError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions import names
from functions.adapters import client, gallery_store, search_index
from functions.adapters.records import publish, published_design, record_decision, take_down_photo
from functions.adapters.reviews import ReviewStore, decision_history
from functions.config import moderation_policy, settings
from functions.domain import gallery
from functions.domain.bodies import BodyRefused
from functions.domain.bodies import parse as parse_body
from functions.domain.comments import CommentRefused, submitted_detail
from functions.domain.executions import execution_name
from functions.domain.identity import Caller, caller_from_claims
from functions.domain.insights import InsightsRequestError
from functions.domain.inspection import parse_key
from functions.domain.reviews import (
    ReviewConflict,
    ReviewError,
    check_decidable,
    owner_decision,
    parse_time,
    public_view,
    release_fits_retention,
    reopen_input,
)
from functions.domain.uploads import UploadRefused, presign_upload
from functions.errors import InvalidEventError
from functions.handlers import insights_api
from functions.schemas import validate

logger = Logger()
tracer = Tracer()
app = APIGatewayHttpResolver()
IMAGE_URL_SECONDS = 300  # review images: short-lived presigned GETs


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
    latest: dict[str, dict[str, Any]] = {}
    for view in map(gallery.upload_view, decisions):  # newest first: one entry per upload, its latest decision
        latest.setdefault(view["photoId"], view)
    return Response(200, content_types.APPLICATION_JSON, {"uploads": list(latest.values())})


def _now() -> datetime:
    return datetime.now(UTC)


def _error(exc: ReviewError) -> ServiceError:
    return ServiceError(exc.status, str(exc))


def _image_url(review: dict[str, Any]) -> str:
    key = review["objectKey"]
    if review.get("kind") == names.REOPEN_RELEASE:
        key = names.QUARANTINE_PREFIX + key
    url: str = client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": settings().uploads_bucket, "Key": key}, ExpiresIn=IMAGE_URL_SECONDS
    )
    return url


@app.get("/reviews")
@tracer.capture_method
def list_reviews() -> Response:
    caller(names.GROUP_OWNER)
    reviews = ReviewStore(client("dynamodb"), settings().reviews_table).pending()
    rows = [{**public_view(r), "imageUrl": _image_url(r), "imageUrlExpiresIn": IMAGE_URL_SECONDS} for r in reviews]
    return Response(200, content_types.APPLICATION_JSON, {"reviews": rows})


@app.post("/reviews/<photo_id>")
@tracer.capture_method
def decide_review(photo_id: str) -> Response:
    who = caller(names.GROUP_OWNER)
    decision = owner_decision(body("review_decision_request"), who.username, _now())
    store, sfn = ReviewStore(client("dynamodb"), settings().reviews_table), client("stepfunctions")
    for _attempt in range(3):  # a reminder may replace the token between our read and our send
        review = store.get(photo_id)
        try:
            if not check_decidable(review, decision, _now()):
                return Response(200, content_types.APPLICATION_JSON, {**public_view(review or {}), "repeated": True})
        except ReviewError as exc:
            raise _error(exc) from exc
        assert review is not None
        token = str(review.get("taskToken", ""))
        if not token or not store.claim(photo_id, token, decision.verdict, decision.note, who.username, decision.at):
            continue  # decided concurrently or token replaced: read again
        try:
            sfn.send_task_success(taskToken=token, output=decision.callback_output())
        except (sfn.exceptions.TaskTimedOut, sfn.exceptions.InvalidToken, sfn.exceptions.TaskDoesNotExist):
            store.release_claim(photo_id, token)
            if parse_time(review["deadline"]) <= _now():
                store.expire(photo_id, decision.at)
                raise ServiceError(410, "The review timed out before the decision arrived.") from None
            continue
        logger.info("review decided", extra={"photoId": photo_id, "verdict": decision.verdict})
        return Response(200, content_types.APPLICATION_JSON, public_view(store.get(photo_id) or {}))
    raise ServiceError(409, "The review changed while deciding; reload it and decide again.")


def _start_reopened(kind: str, object_key: str, history: list[dict[str, Any]], who: str, note: str) -> Response:
    document = reopen_input(
        kind, settings().uploads_bucket, object_key, history, who, note, moderation_policy().review.to_dict(), _now()
    )
    photo_id = document["reopen"]["photo"]["photoId"]
    name = f"{photo_id}-{kind}"
    sfn = client("stepfunctions")
    try:
        sfn.start_execution(stateMachineArn=settings().image_state_machine_arn, name=name, input=json.dumps(document))
    except sfn.exceptions.ExecutionAlreadyExists:
        raise ServiceError(409, f"This upload already had its {kind}; an upload gets one.") from None
    return Response(202, content_types.APPLICATION_JSON, {"photoId": photo_id, "status": "review", "execution": name})


def _own_upload_key(username: str, photo_id: str) -> tuple[str, list[dict[str, Any]]]:
    """The designer's own upload with that id (the key embeds the uploader: nobody can appeal another's)."""
    for ext in ("jpg", "png"):
        key = f"{names.UPLOAD_PREFIX}{username}/{photo_id}.{ext}"
        if parse_key(key) is None:
            break
        history = decision_history(client("dynamodb"), settings().decisions_table, key)
        if history:
            return key, history
    raise NotFoundError("You have no upload with this id.")


@app.post("/me/uploads/<photo_id>/appeal")
@tracer.capture_method
def appeal(photo_id: str) -> Response:
    who = caller(names.GROUP_DESIGNER)
    note = body("review_note_request")["note"].strip()
    key, history = _own_upload_key(who.username, photo_id)
    try:
        client("s3").head_object(Bucket=settings().uploads_bucket, Key=key)
    except client("s3").exceptions.ClientError:
        raise ServiceError(410, "The rejected upload has already expired; upload it again.") from None
    try:
        return _start_reopened(names.REOPEN_APPEAL, key, history, who.username, note)
    except ReviewError as exc:
        raise _error(exc) from exc


def _quarantined_key(photo_id: str) -> tuple[str, datetime]:
    """(upload key, when quarantined) of the quarantined object for a photo id."""
    s3 = client("s3")
    prefix = names.QUARANTINE_PREFIX + names.UPLOAD_PREFIX
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=settings().uploads_bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            key = obj["Key"].removeprefix(names.QUARANTINE_PREFIX)
            parsed = parse_key(key)
            if parsed is not None and parsed[1] == photo_id:
                return key, obj["LastModified"]
    raise NotFoundError("No quarantined upload has this id.")


@app.post("/quarantine/<photo_id>/release")
@tracer.capture_method
def release(photo_id: str) -> Response:
    who = caller(names.GROUP_OWNER)
    note = body("review_note_request")["note"].strip()
    key, since = _quarantined_key(photo_id)
    timeout = moderation_policy().review.timeout_seconds
    if not release_fits_retention(since, settings().quarantine_retention_days, timeout, _now()):
        raise ServiceError(409, "The quarantined copy expires before a review could end; it cannot be released.")
    history = decision_history(client("dynamodb"), settings().decisions_table, key)
    try:
        return _start_reopened(names.REOPEN_RELEASE, key, history, who.username, note)
    except ReviewError as exc:
        raise _error(exc) from exc


@app.post("/designs/<design_id>/takedown")
@tracer.capture_method
def take_down(design_id: str) -> Response:
    who = caller(names.GROUP_OWNER)
    note = body("review_note_request")["note"].strip()
    config, ddb = settings(), client("dynamodb")
    try:
        record, changed = take_down_photo(ddb, config.photos_table, design_id, who.username, note, _now())
    except ReviewConflict as exc:
        raise _error(exc) from exc
    if record is None:
        raise NotFoundError(f"Design {design_id!r} does not exist.")
    if changed:
        search_index(config).delete(names.PHOTOS_INDEX, design_id)
        record_decision(
            ddb,
            config.decisions_table,
            record.get("uploadKey", record["objectKey"]),  # decisions are kept per upload key
            "taken-down",
            [note],
            who.username,
            record["takenDownAt"],
        )
        publish(
            client("events"),
            config.event_bus_name,
            names.EVENT_PHOTO_TAKEN_DOWN,
            {"photoId": design_id, "designer": record["designer"], "verdict": "taken-down", "reasons": [note]},
        )
    return Response(200, content_types.APPLICATION_JSON, {**record, "repeated": not changed})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
