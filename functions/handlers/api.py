"""The HTTP API (API Gateway HTTP API, payload 2.0, JWT authorizer in front): thin views over the domain.

Routes, and the group each needs, come from functions/wiring.py ROUTES; VIEWS maps each to its function.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, NotFoundError, ServiceError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions import config, names, wiring
from functions.adapters import client, comment_moderation, gallery_store, search_index
from functions.adapters.dynamodb_photos import published_design, record_decision, take_down_photo
from functions.adapters.eventbridge import publish
from functions.adapters.reviews import ReviewStore, decision_history
from functions.adapters.s3_uploads import S3UploadSigner
from functions.config import HttpApiSettings, comment_policy, moderation_policy
from functions.domain import captions, gallery, insights, screening
from functions.domain.bodies import BodyRefused
from functions.domain.bodies import parse as parse_body
from functions.domain.comments import CommentRefused, submitted_detail
from functions.domain.executions import execution_name
from functions.domain.identity import Caller, caller_from_claims
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
from functions.schemas import validate

logger = Logger()
tracer = Tracer()
app = APIGatewayHttpResolver()
IMAGE_URL_SECONDS = 300  # review images: short-lived presigned GETs


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


def health(who: Caller | None) -> Response:
    """Liveness for load balancers and `salon status`: answers without a token, touches nothing."""
    return Response(200, content_types.APPLICATION_JSON, {"status": "ok"})


@tracer.capture_method
def create_upload(who: Caller) -> Response:
    request = body("upload_request")
    try:
        caption = captions.parse(request.get("title", ""), request.get("description", ""))
        signer = S3UploadSigner(port("s3"), settings().uploads_bucket)
        grant = presign_upload(signer, who, request["contentType"], settings().max_upload_bytes, caption)
    except (UploadRefused, captions.CaptionRefused) as exc:
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
            port("dynamodb"), settings().photos_table, limit, cursor, designer_sub
        )
    except gallery_store.BadCursor as exc:
        raise BadRequestError(str(exc)) from exc
    document = {"designs": [gallery.design_view(i) for i in items], "next": following}
    return Response(200, content_types.APPLICATION_JSON, document)


@tracer.capture_method
def list_designs(who: Caller | None) -> Response:
    """Published designs, newest first, paged (?limit=&cursor=). Public."""
    return designs_page()


@tracer.capture_method
def get_design(who: Caller | None, design_id: str) -> Response:
    """A published design with its visible comments and meter. Public; unknown or unpublished: 404."""
    cfg, ddb = settings(), port("dynamodb")
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


@tracer.capture_method
def designer_album(who: Caller | None, designer_id: str) -> Response:
    """One designer's published designs (by Cognito sub), newest first, paged. Public."""
    if not designer_id or len(designer_id) > 128:
        raise NotFoundError("No such designer.")
    return designs_page(designer_id)


@tracer.capture_method
def my_uploads(who: Caller) -> Response:
    """The signed-in designer's own uploads with status and reasons, refused ones included."""
    decisions = gallery_store.designer_decisions(port("dynamodb"), settings().decisions_table, who.username)
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
    return _presigned(key)


def _presigned(key: str) -> str:
    url: str = port("s3").generate_presigned_url(
        "get_object", Params={"Bucket": settings().uploads_bucket, "Key": key}, ExpiresIn=IMAGE_URL_SECONDS
    )
    return url


@tracer.capture_method
def list_reviews(who: Caller) -> Response:
    reviews = ReviewStore(port("dynamodb"), settings().reviews_table).pending()
    rows = [{**public_view(r), "imageUrl": _image_url(r), "imageUrlExpiresIn": IMAGE_URL_SECONDS} for r in reviews]
    return Response(200, content_types.APPLICATION_JSON, {"reviews": rows})


@tracer.capture_method
def decide_review(who: Caller, photo_id: str) -> Response:
    decision = owner_decision(body("review_decision_request"), who.username, _now())
    store, sfn = ReviewStore(port("dynamodb"), settings().reviews_table), port("stepfunctions")
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
        kind,
        settings().uploads_bucket,
        object_key,
        history,
        who,
        note,
        moderation_policy(settings().moderation_policy).review.to_dict(),
        _now(),
    )
    photo_id = document["reopen"]["photo"]["photoId"]
    name = f"{photo_id}-{kind}"
    sfn = port("stepfunctions")
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
        history = decision_history(port("dynamodb"), settings().decisions_table, key)
        if history:
            return key, history
    raise NotFoundError("You have no upload with this id.")


@tracer.capture_method
def appeal(who: Caller, photo_id: str) -> Response:
    note = body("review_note_request")["note"].strip()
    key, history = _own_upload_key(who.username, photo_id)
    try:
        port("s3").head_object(Bucket=settings().uploads_bucket, Key=key)
    except port("s3").exceptions.ClientError:
        raise ServiceError(410, "The rejected upload has already expired; upload it again.") from None
    try:
        return _start_reopened(names.REOPEN_APPEAL, key, history, who.username, note)
    except ReviewError as exc:
        raise _error(exc) from exc


def _quarantined() -> Iterator[tuple[str, str, datetime]]:
    """(upload key, photo id, when quarantined) of every quarantined object."""
    s3 = port("s3")
    prefix = names.QUARANTINE_PREFIX + names.UPLOAD_PREFIX
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=settings().uploads_bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            key = obj["Key"].removeprefix(names.QUARANTINE_PREFIX)
            parsed = parse_key(key)
            if parsed is not None:
                yield key, parsed[1], obj["LastModified"]


def _quarantined_key(photo_id: str) -> tuple[str, datetime]:
    """(upload key, when quarantined) of the quarantined object for a photo id."""
    for key, found, since in _quarantined():
        if found == photo_id:
            return key, since
    raise NotFoundError("No quarantined upload has this id.")


@tracer.capture_method
def list_quarantine(who: Caller) -> Response:
    """Quarantined uploads, newest first, with why and short-lived image URLs (owner only)."""
    cfg, ddb = settings(), port("dynamodb")
    pending = {r["photoId"] for r in ReviewStore(ddb, cfg.reviews_table).pending()}
    rows = []
    for key, photo_id, since in _quarantined():
        view = gallery.quarantined_view(key, photo_id, since, decision_history(ddb, cfg.decisions_table, key))
        view["releaseInReview"] = photo_id in pending
        view["imageUrl"] = _presigned(names.QUARANTINE_PREFIX + key)
        view["imageUrlExpiresIn"] = IMAGE_URL_SECONDS
        rows.append(view)
    rows.sort(key=lambda r: str(r["quarantinedAt"]), reverse=True)
    return Response(200, content_types.APPLICATION_JSON, {"quarantined": rows})


@tracer.capture_method
def release(who: Caller, photo_id: str) -> Response:
    note = body("review_note_request")["note"].strip()
    key, since = _quarantined_key(photo_id)
    timeout = moderation_policy(settings().moderation_policy).review.timeout_seconds
    if not release_fits_retention(since, settings().quarantine_retention_days, timeout, _now()):
        raise ServiceError(409, "The quarantined copy expires before a review could end; it cannot be released.")
    history = decision_history(port("dynamodb"), settings().decisions_table, key)
    try:
        return _start_reopened(names.REOPEN_RELEASE, key, history, who.username, note)
    except ReviewError as exc:
        raise _error(exc) from exc


@tracer.capture_method
def take_down(who: Caller, design_id: str) -> Response:
    note = body("review_note_request")["note"].strip()
    cfg, ddb = settings(), port("dynamodb")
    try:
        record, changed = take_down_photo(ddb, cfg.photos_table, design_id, who.username, note, _now())
    except ReviewConflict as exc:
        raise _error(exc) from exc
    if record is None:
        raise NotFoundError(f"Design {design_id!r} does not exist.")
    if changed:
        index = app.context.get("search_index") or search_index(cfg.search_backend, cfg.search_endpoint, cfg.aws_region)
        index.delete(names.PHOTOS_INDEX, design_id)
        if str(record.get("objectKey", "")).startswith(names.PUBLISHED_PREFIX):  # the CDN serves published/ as is
            port("s3").delete_object(Bucket=cfg.uploads_bucket, Key=record["objectKey"])
        record_decision(
            ddb,
            cfg.decisions_table,
            record.get("uploadKey", record["objectKey"]),  # decisions are kept per upload key
            "taken-down",
            [note],
            who.username,
            record["takenDownAt"],
        )
        publish(
            port("events"),
            cfg.event_bus_name,
            names.EVENT_PHOTO_TAKEN_DOWN,
            gallery.taken_down_detail(record, note),
        )
    return Response(200, content_types.APPLICATION_JSON, {**record, "repeated": not changed})


@tracer.capture_method
def my_comments(who: Caller) -> Response:
    """The signed-in author's comments, newest first, each with where it stands (and why, when not shown)."""
    items = comment_moderation.author_comments(port("dynamodb"), settings().comments_table, who.sub)
    return Response(200, content_types.APPLICATION_JSON, {"comments": [gallery.my_comment_view(i) for i in items]})


@tracer.capture_method
def held_comments(who: Caller) -> Response:
    """The owner's queue: comments held by screening, oldest first, with their labels and original text."""
    items = comment_moderation.held_comments(port("dynamodb"), settings().comments_table)
    return Response(200, content_types.APPLICATION_JSON, {"comments": [gallery.held_comment_view(i) for i in items]})


@tracer.capture_method
def decide_comment(who: Caller, comment_id: str) -> Response:
    """Approve (shown, live on the design's channel) or reject (removed; the author reads the reason)."""
    request = body("comment_decision_request")
    cfg = settings()
    try:
        visibility, reason = screening.owner_outcome(request["decision"], request["reason"])
        item, changed = comment_moderation.decide_held(
            port("dynamodb"),
            cfg.comments_table,
            comment_id,
            visibility,
            reason,
            who.username,
            _now().isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        )
    except screening.DecisionRefused as exc:
        raise ServiceError(exc.status, str(exc)) from exc
    # The index follows on every call, repeats included: a decision whose index write failed is completed by
    # deciding again. Public reads of the index filter on visibility; insights count the comment either way.
    index = app.context.get("search_index") or search_index(cfg.search_backend, cfg.search_endpoint, cfg.aws_region)
    document = index.get(names.COMMENTS_INDEX, comment_id)
    if document is not None and document.get("visibility") != visibility:
        index.index(names.COMMENTS_INDEX, comment_id, {**document, "visibility": visibility})
    if changed and visibility == screening.SHOWN:  # the design's live channel shows it now
        detail = {"commentId": comment_id, "designId": item["designId"]["S"], "visibility": visibility}
        publish(port("events"), cfg.event_bus_name, names.EVENT_COMMENT_SHOWN, detail)
    logger.info("held comment decided", extra={"commentId": comment_id, "visibility": visibility})
    view = gallery.held_comment_view(item)
    return Response(200, content_types.APPLICATION_JSON, {**view, "visibility": visibility, "repeated": not changed})


VIEWS: dict[str, Callable[..., Response]] = {
    "health": health,
    "create_upload": create_upload,
    "create_comment": create_comment,
    "get_insights": get_insights,
    "list_reviews": list_reviews,
    "decide_review": decide_review,
    "appeal": appeal,
    "release": release,
    "list_quarantine": list_quarantine,
    "take_down": take_down,
    "list_designs": list_designs,
    "get_design": get_design,
    "designer_album": designer_album,
    "my_uploads": my_uploads,
    "my_comments": my_comments,
    "held_comments": held_comments,
    "decide_comment": decide_comment,
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
