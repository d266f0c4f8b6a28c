"""Deterministic execution names, so a repeated event starts nothing new."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from functions.domain.inspection import parse_key

_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]")
OBJECT_VERSION = "object-version"  # S3 Object Created -> '<photoId>-<etag8>', one per object version
COMMENT_ID = "comment-id"  # CommentSubmitted -> 'comment-<commentId>', one per comment


def execution_name(event: dict[str, Any], naming: str | None = None) -> str:
    """The execution name for an event, by `naming` (a trigger's, functions/wiring.py), or by the event's
    source when not given: S3 Object Created -> '<photoId>-<etag8>' (readable in the console, unique per
    object version); CommentSubmitted -> 'comment-<commentId>'; other events -> their EventBridge id
    (stable across redeliveries).
    """
    detail = event.get("detail") or {}
    if naming is None:
        if event.get("source") == "aws.s3":
            naming = OBJECT_VERSION
        elif event.get("detail-type") == "CommentSubmitted":
            naming = COMMENT_ID
    if naming == OBJECT_VERSION:
        key = str(detail.get("object", {}).get("key", ""))
        etag = str(detail.get("object", {}).get("eTag", ""))
        parsed = parse_key(key)
        stem = parsed[1] if parsed else hashlib.sha256(key.encode()).hexdigest()[:36]
        return f"{stem}-{etag[:8] or 'noetag'}"[:80]
    if naming == COMMENT_ID and detail.get("commentId"):
        return _NAME_CHARS.sub("-", f"comment-{detail['commentId']}")[:80]
    return _NAME_CHARS.sub("-", str(event["id"]))[:80]
