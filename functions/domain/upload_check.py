"""InspectUpload's rules: the exact version in the event, one upload per photo id, a usable image, its rendition.

Pure logic over a port; the S3 adapter is functions/adapters/s3_uploads.py.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from functions import names
from functions.domain import captions
from functions.domain.inspection import Limits, inspect_image, parse_key, uploader_of, uploader_reasons
from functions.domain.renditions import EXTENSION, RenditionRefused, render


@dataclass(frozen=True)
class StoredObject:
    data: bytes
    content_type: str
    metadata: dict[str, str]
    size: int  # the object's real size: `data` stops one byte past the limit


class UploadStore(ABC):
    """The uploads bucket as InspectUpload sees it."""

    @abstractmethod
    def versions(self, key: str) -> list[tuple[str, str]]:
        """(version id, ETag) of the objects stored under `key` (delete markers excluded), oldest first."""

    @abstractmethod
    def read(self, key: str, version: str, limit: int) -> StoredObject:
        """That version's first `limit` bytes, content type and user metadata."""

    @abstractmethod
    def put_rendition(self, key: str, data: bytes, content_type: str) -> str:
        """Stores a rendition; returns its version id."""


def rendition_key(designer: str, photo_id: str) -> str:
    return f"{names.RENDITION_PREFIX}{designer}/{photo_id}.{EXTENSION}"


def published_key(photo_id: str) -> str:
    """published/<photoId>.jpg: keyed by the design id alone, so the site's CDN maps images/<designId> to it."""
    return f"{names.PUBLISHED_PREFIX}{photo_id}.{EXTENSION}"


def check_upload(store: UploadStore, key: str, version: str | None, event_time: str, limits: Limits) -> dict[str, Any]:
    """{valid, duplicate, reasons, photo, rendition}: never raises for a bad upload, says why instead."""
    photo: dict[str, Any] = {
        "objectKey": key,
        "versionId": version or "",
        "photoId": "",
        "designer": "",
        "uploader": {},
        "contentType": "",
        "width": 0,
        "height": 0,
        "size": 0,
        "uploadedAt": event_time,
        "title": "",
        "description": "",
    }
    result: dict[str, Any] = {
        "valid": False,
        "duplicate": False,
        "restored": False,
        "reasons": [],
        "photo": photo,
        "rendition": {"key": "", "versionId": "", "publishedKey": ""},
    }
    parsed = parse_key(key)
    if parsed is None:
        result["reasons"] = [f"The object key {key!r} is not an upload key issued by the API."]
        return result
    if not version:
        result["reasons"] = ["The upload has no object version: the uploads bucket must be versioned."]
        return result
    photo["designer"], photo["photoId"] = parsed
    stored = store.versions(key)
    etags = dict(stored)
    if stored and stored[0][0] != version and etags.get(version) == stored[0][1]:
        result["restored"] = True  # the first upload's bytes again (restored from quarantine): already judged
        result["reasons"] = ["These are the first upload's bytes again; it was judged already."]
        return result
    if not stored or stored[0][0] != version:  # a later object under an issued key, or one removed as such
        result["duplicate"] = True
        result["reasons"] = [
            f"Photo {parsed[1]} was already uploaded; the first upload stands. Ask for a new upload to add another."
        ]
        return result

    obj = store.read(key, version, limits.max_bytes + 1)
    uploader = uploader_of(obj.metadata)
    inspection = inspect_image(obj.data, obj.content_type or None, limits, obj.size)
    reasons = [*inspection.reasons, *uploader_reasons(uploader, photo["designer"])]
    caption = captions.from_metadata(obj.metadata)
    photo.update(
        title=caption.title,
        description=caption.description,
        uploader=uploader,
        contentType=obj.content_type,
        width=inspection.width,
        height=inspection.height,
        size=obj.size,
    )
    if not reasons:
        try:
            rendition = render(obj.data)
        except RenditionRefused as exc:
            reasons.append(str(exc))
        else:
            target = rendition_key(*parsed)
            result["rendition"] = photo["rendition"] = {
                "key": target,
                "versionId": store.put_rendition(target, rendition.data, rendition.content_type),
                "publishedKey": published_key(parsed[1]),
                "contentType": rendition.content_type,
                "width": rendition.width,
                "height": rendition.height,
            }
    result.update(valid=not reasons, reasons=reasons)
    return result
