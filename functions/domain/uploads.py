"""Upload grants: a presigned POST whose policy pins key, content type, size range and uploader identity."""

from __future__ import annotations

import json
import uuid
from typing import Any

from functions import names
from functions.domain.captions import METADATA_FIELD as CAPTION_FIELD
from functions.domain.captions import Caption, check_fits
from functions.domain.identity import Caller, is_safe_username
from functions.domain.inspection import KEY_PATTERN
from functions.ports import UploadSigner

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}
EXPIRES_SECONDS = 300


class UploadRefused(Exception):
    pass


def presign_upload(
    signer: UploadSigner, who: Caller, content_type: str, max_bytes: int, caption: Caption | None = None
) -> dict[str, Any]:
    """The grant; the caption (already checked by captions.parse) is pinned beside the uploader identity."""
    ext = EXTENSIONS.get(content_type)
    if ext is None:
        raise UploadRefused(f"Content type {content_type!r} is not accepted; use image/jpeg or image/png.")
    if not is_safe_username(who.username):
        raise UploadRefused(
            "Your username cannot be used in an upload key (letters, digits and _.@- only, not starting with a dot)."
        )
    photo_id = str(uuid.uuid4())
    key = f"{names.UPLOAD_PREFIX}{who.username}/{photo_id}.{ext}"
    if not KEY_PATTERN.match(key):  # the key the workflow will accept, built only from checked parts
        raise UploadRefused("No upload key can be made for this request.")
    uploader = json.dumps(who.identity(), sort_keys=True)  # ASCII JSON: S3 metadata must be ASCII
    meta_field = f"x-amz-meta-{names.UPLOADER_METADATA}"
    fields = {"Content-Type": content_type, meta_field: uploader}
    if caption is not None and (caption.title or caption.description):
        check_fits(caption, {names.UPLOADER_METADATA: uploader})
        fields[f"x-amz-meta-{CAPTION_FIELD}"] = caption.encoded()
    conditions: list[Any] = [{k: v} for k, v in fields.items()]
    post = signer.presigned_post(key, fields, [*conditions, ["content-length-range", 1, max_bytes]], EXPIRES_SECONDS)
    return {
        "photoId": photo_id,
        "key": key,
        "url": post["url"],
        "fields": post["fields"],
        "maxBytes": max_bytes,
        "expiresIn": EXPIRES_SECONDS,
    }
