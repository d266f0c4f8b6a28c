"""Deterministic execution names, so a repeated event starts nothing new."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from functions.domain.inspection import parse_key

_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]")
OBJECT_VERSION = "object-version"  # S3 Object Created -> '<photoId>-<versionId>', one per object version
COMMENT_ID = "comment-id"  # CommentSubmitted -> 'comment-<commentId>', one per comment


def object_suffix(obj: dict[str, Any]) -> str:
    """What tells one object version from another in an execution name: its version id, else its ETag."""
    version = str(obj.get("version-id") or "")
    if version and version != "null":
        return _NAME_CHARS.sub("-", version)[:43]
    return str(obj.get("eTag", ""))[:8] or "noetag"


def execution_name(event: dict[str, Any], naming: str | None = None) -> str:
    """The execution name for an event, by `naming` (a trigger's, functions/wiring.py), or by the event's
    source when not given: S3 Object Created -> '<photoId>-<versionId>' (readable in the console, unique per
    object version; the first 8 characters of the ETag on an unversioned bucket); CommentSubmitted ->
    'comment-<commentId>'; other events -> their EventBridge id (stable across redeliveries).
    """
    detail = event.get("detail") or {}
    if naming is None:
        if event.get("source") == "aws.s3":
            naming = OBJECT_VERSION
        elif event.get("detail-type") == "CommentSubmitted":
            naming = COMMENT_ID
    if naming == OBJECT_VERSION:
        key = str(detail.get("object", {}).get("key", ""))
        parsed = parse_key(key)
        stem = parsed[1] if parsed else hashlib.sha256(key.encode()).hexdigest()[:36]
        return f"{stem}-{object_suffix(detail.get('object', {}))}"[:80]
    if naming == COMMENT_ID and detail.get("commentId"):
        return _NAME_CHARS.sub("-", f"comment-{detail['commentId']}")[:80]
    return _NAME_CHARS.sub("-", str(event["id"]))[:80]
