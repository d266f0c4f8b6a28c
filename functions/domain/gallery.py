"""The gallery's read model: designs, comments and happiness meters as pages and live events show them.

Views never carry emails or task tokens; designers and authors appear by display name (the Cognito
username) and by their Cognito `sub`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from functions import names
from functions.domain import live, screening

SENTIMENTS = ("POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED")
VISIBLE_COMMENT_STATUS = "analyzed"
# What an author reads about each of their comments (GET /me/comments).
AUTHOR_STATUS = {
    screening.SHOWN: "shown",
    screening.HELD: "waiting for moderation",
    screening.REJECTED: "rejected",
}
IMAGE_PATH = names.GALLERY_IMAGES_PATH  # relative to the gallery site: <site>/images/<designId>


def _s(item: Mapping[str, Any], key: str) -> str:
    value = item.get(key) or {}
    return str(value.get("S", "")) if isinstance(value, Mapping) else ""


def _n(item: Mapping[str, Any], key: str) -> float:
    value = item.get(key) or {}
    try:
        return float(value.get("N", "0")) if isinstance(value, Mapping) else 0.0
    except ValueError:
        return 0.0


def _json(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def meter_view(design_id: str, item: Mapping[str, Any] | None) -> dict[str, Any]:
    """Meter totals; `version` is the meter's comment count, so a page ignores totals older than its own."""
    item = item or {}
    counts = {s: int(_n(item, s)) for s in SENTIMENTS}
    comments, scored = int(_n(item, "comments")), int(_n(item, "scored"))
    positivity = _n(item, "positivitySum")
    return {
        "designId": design_id,
        "comments": comments,
        **counts,
        "scored": scored,
        "happiness": round(positivity / scored, 4) if scored else None,
        "version": comments,
    }


def uploader_of(item: Mapping[str, Any]) -> dict[str, str]:
    uploader = _json(_s(item, "uploader"))
    return uploader if isinstance(uploader, dict) else {}


def design_view(item: Mapping[str, Any]) -> dict[str, Any]:
    """A published photo record as the gallery shows it."""
    design_id = _s(item, "photoId")
    uploader = uploader_of(item)
    return {
        "designId": design_id,
        "designer": _s(item, "designer"),
        "designerId": str(uploader.get("sub", "")),
        "title": _s(item, "title"),
        "description": _s(item, "description"),
        "publishedAt": _s(item, "publishedAt"),
        "width": int(_n(item, "width")),
        "height": int(_n(item, "height")),
        "image": f"{IMAGE_PATH}{design_id}",
    }


def public_text(item: Mapping[str, Any]) -> str:
    """The text as the public sees it: personal data masked. A comment screened before masking existed has no
    public text stored: the patterns mask it here, so no public place ever shows the original."""
    if "publicText" in item:
        return _s(item, "publicText")
    text = _s(item, "text")
    return screening.mask(text, screening.find_personal_data(text))


def _author(item: Mapping[str, Any]) -> dict[str, Any]:
    author = _json(_s(item, "author"))
    return author if isinstance(author, dict) else {}


def comment_view(item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "commentId": _s(item, "commentId"),
        "designId": _s(item, "designId"),
        "text": public_text(item),
        "author": str(_author(item).get("username", "")),
        "language": _s(item, "language"),
        "sentiment": _s(item, "sentiment"),
        "submittedAt": _s(item, "submittedAt"),
    }


def visibility(comment: Mapping[str, Any]) -> str:
    """shown, held or rejected; a comment analysed before screening existed has none and was shown."""
    return _s(comment, "visibility") or screening.SHOWN


def visible(comment: Mapping[str, Any]) -> bool:
    return _s(comment, "status") == VISIBLE_COMMENT_STATUS and visibility(comment) == screening.SHOWN


def my_comment_view(item: Mapping[str, Any]) -> dict[str, Any]:
    """One of the signed-in author's comments, with where it stands and, when rejected, why."""
    status = _s(item, "status")
    if status == VISIBLE_COMMENT_STATUS:
        shown = AUTHOR_STATUS.get(visibility(item), "waiting for moderation")
    else:
        shown = "failed" if status == "failed" else "being checked"
    view = {**comment_view(item), "status": shown}
    if shown != "shown":
        view["reason"] = _s(item, "moderationReason")
    return view


def held_comment_view(item: Mapping[str, Any]) -> dict[str, Any]:
    """A held comment in the owner's queue: the original text (owner only), the public one and the labels."""
    moderation = _json(_s(item, "moderation"))
    moderation = moderation if isinstance(moderation, dict) else {}
    author = _author(item)
    return {
        **comment_view(item),
        "designer": _s(item, "designer"),
        "authorId": str(author.get("sub", "")),
        "originalText": _s(item, "text"),
        "reason": _s(item, "moderationReason"),
        "labels": moderation.get("labels", []),
        "flagged": moderation.get("flagged", []),
        "masked": moderation.get("masked", []),
        "rule": moderation.get("rule", ""),
    }


def upload_view(decision: Mapping[str, Any]) -> dict[str, Any]:
    """A designer's own upload from its moderation decision (no image URL unless published)."""
    key = _s(decision, "objectKey")
    verdict = _s(decision, "verdict")
    status = {"approved": "published", "rejected": "rejected", "quarantined": "quarantined"}.get(verdict, verdict)
    photo_id = key.rsplit("/", 1)[-1].split(".", 1)[0] if key else ""
    reasons = _json(_s(decision, "reasons"))
    photo = _json(_s(decision, "photo"))
    view: dict[str, Any] = {
        "photoId": photo_id,
        "title": str(photo.get("title") or "") if isinstance(photo, dict) else "",
        "status": status,
        "reasons": reasons if isinstance(reasons, list) else [],
        "decidedAt": _s(decision, "decidedAt"),
    }
    if status == "published":
        view["image"] = f"{IMAGE_PATH}{photo_id}"
    return view


def live_messages(
    detail_type: str,
    detail: Mapping[str, Any],
    *,
    photo: Mapping[str, Any] | None = None,
    comment: Mapping[str, Any] | None = None,
    meter: Mapping[str, Any] | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """(channel, event) pairs for one workflow event; [] for events no page shows."""
    uploader = detail.get("uploader") if isinstance(detail.get("uploader"), Mapping) else {}
    sub = str(uploader.get("sub", "")) if uploader else ""
    photo_id = str(detail.get("photoId") or "")
    if not photo_id and detail.get("objectKey"):
        photo_id = str(detail["objectKey"]).rsplit("/", 1)[-1].split(".", 1)[0]
    status = {
        names.EVENT_PHOTO_PUBLISHED: "published",
        names.EVENT_PHOTO_REJECTED: "rejected",
        names.EVENT_PHOTO_QUARANTINED: "quarantined",
        names.EVENT_PHOTO_IN_REVIEW: "review",
        names.EVENT_PHOTO_TAKEN_DOWN: "taken-down",
    }.get(detail_type)
    messages: list[tuple[str, dict[str, Any]]] = []
    if status:
        if status == "published" and photo is not None:
            messages.append((live.GALLERY_CHANNEL, {"type": "DesignPublished", "design": design_view(photo)}))
        if status == "taken-down" and photo_id and _channel_safe(photo_id):
            gone = {"type": "DesignTakenDown", "designId": photo_id}
            messages += [(live.GALLERY_CHANNEL, gone), (live.design_channel(photo_id), gone)]
        if sub and _channel_safe(sub):
            reasons = detail.get("reasons") if isinstance(detail.get("reasons"), list) else []
            update = {"type": "UploadStatus", "photoId": photo_id, "status": status, "reasons": reasons}
            if status == "published":
                update["image"] = f"{IMAGE_PATH}{photo_id}"
            messages.append((live.designer_channel(sub), update))
    elif detail_type in (names.EVENT_COMMENT_ANALYZED, names.EVENT_COMMENT_SHOWN):  # shown: approved by the owner
        design_id = str(detail.get("designId") or "")
        if design_id and _channel_safe(design_id):
            event: dict[str, Any] = {"type": "CommentAnalyzed", "designId": design_id}
            if comment is not None and visible(comment):
                event["comment"] = comment_view(comment)
            event["meter"] = meter_view(design_id, meter)
            messages.append((live.design_channel(design_id), event))
    return messages


def taken_down_detail(record: Mapping[str, str], note: str) -> dict[str, Any]:
    """The PhotoTakenDown event's detail from the (string-valued) photo record: ids and the uploader's sub."""
    uploader = _json(str(record.get("uploader") or ""))
    return {
        "photoId": record["photoId"],
        "designer": record.get("designer", ""),
        "uploader": uploader if isinstance(uploader, dict) else {},
        "verdict": "taken-down",
        "reasons": [note],
    }


def _channel_safe(segment: str) -> bool:
    """One channel segment (an id), never a path: `a/b` would address another channel."""
    return "/" not in segment and segment != "*" and _segments_ok(f"/x/{segment}")


def _segments_ok(path: str) -> bool:
    try:
        live.segments(path)
    except live.ChannelError:
        return False
    return True


def quarantined_view(key: str, photo_id: str, since: datetime, history: list[dict[str, Any]]) -> dict[str, Any]:
    """A quarantined upload as the owner's page lists it: who, why, when (no image URL: the API adds one)."""
    latest: dict[str, Any] = next(
        (h for h in reversed(history) if h.get("verdict") == "quarantined"), history[-1] if history else {}
    )
    photo: dict[str, Any] = latest["photo"] if isinstance(latest.get("photo"), dict) else {}
    reasons: list[Any] = latest["reasons"] if isinstance(latest.get("reasons"), list) else []
    moderation: list[Any] = latest["moderation"] if isinstance(latest.get("moderation"), list) else []
    return {
        "photoId": photo_id,
        "designer": str(photo.get("designer") or key.removeprefix(names.UPLOAD_PREFIX).split("/", 1)[0]),
        "title": str(photo.get("title") or ""),
        "reasons": [str(r) for r in reasons],
        "moderation": moderation,
        "decidedBy": str(latest.get("decidedBy") or ""),
        "quarantinedAt": since.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "status": str(history[-1].get("verdict") or "") if history else "quarantined",
    }
