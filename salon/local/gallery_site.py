"""The gallery site on the embedded stack: web/ at $SALON_API_URL/gallery/, its config.json, and the images.

Images: /gallery/images/<designId> serves the object a *published* photo record names, with a forced
Content-Type, `nosniff` and a strict CSP, and only from the allowed key prefixes (never quarantine/, never a
pending or rejected upload). moto's own S3 port answers unsigned reads too: it is a developer tool on
loopback, not the gallery's access boundary (docs/gallery.md).
"""

from __future__ import annotations

import json
import mimetypes
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from functions import names
from salon.local.config import REPO_ROOT

WEB_DIR = REPO_ROOT / "web"
PREFIX = "/gallery"
IMAGE_TYPES = ("image/jpeg", "image/png")
# Only published renditions (re-encoded by the workflow, metadata stripped) are ever served.
SERVED_PREFIXES = (names.PUBLISHED_PREFIX,)
_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
_REVIEW_LINK = re.compile(r"reviews/([A-Za-z0-9-]{1,64})")
_ASSET = re.compile(r"[A-Za-z0-9_./-]{1,200}")
SITE_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}
IMAGE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def site_csp(connect: list[str], private_images: str = "") -> str:
    """private_images: the origin of the owner's short-lived presigned image URLs (the uploads bucket)."""
    return (
        f"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: {private_images}".rstrip()
        + "; "
        f"connect-src 'self' {' '.join(connect)}; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )


class GallerySite:
    """A view for the API server's `extra` prefix table: everything under /gallery."""

    def __init__(self, config: Callable[[], dict[str, Any]], s3: Callable[[], Any], ddb: Callable[[], Any]) -> None:
        self.config, self.s3, self.ddb = config, s3, ddb

    def headers(self, cfg: dict[str, Any]) -> dict[str, str]:
        connect = [cfg["cognitoEndpoint"], cfg["eventsHttpEndpoint"], cfg["eventsRealtimeEndpoint"]]
        return {**SITE_HEADERS, "content-security-policy": site_csp(connect, cfg.get("privateImagesOrigin", ""))}

    def image(self, design_id: str) -> Response:
        if not _ID.fullmatch(design_id):
            return Response("Not found\n", 404, SITE_HEADERS)
        item = self.ddb().get_item(TableName=names.PHOTOS_TABLE, Key={"photoId": {"S": design_id}}).get("Item")
        if not item or item.get("status", {}).get("S") != "published":
            return Response("Not found\n", 404, SITE_HEADERS)
        key = (item.get("publishedKey") or item.get("objectKey") or {}).get("S", "")
        content_type = item.get("contentType", {}).get("S", "")
        if not key.startswith(SERVED_PREFIXES) or content_type not in IMAGE_TYPES:
            return Response("Not found\n", 404, SITE_HEADERS)
        body = self.s3().get_object(Bucket=names.UPLOADS_BUCKET, Key=key)["Body"].read()
        return Response(
            body,
            200,
            {
                **SITE_HEADERS,
                "content-type": content_type,
                "content-security-policy": IMAGE_CSP,
                "cache-control": "public, max-age=300",
            },
        )

    @staticmethod
    def asset(path: str) -> Path | None:
        if not _ASSET.fullmatch(path) or ".." in path.split("/"):
            return None
        candidate = (WEB_DIR / path).resolve()
        if WEB_DIR.resolve() not in candidate.parents or not candidate.is_file():
            return None
        return candidate

    def __call__(self, request: Request) -> Response:
        if request.path == PREFIX:
            return redirect(f"{PREFIX}/")
        if request.method not in ("GET", "HEAD"):
            return Response("Method not allowed\n", 405, SITE_HEADERS)
        cfg = self.config()
        rest = request.path.removeprefix(f"{PREFIX}/")
        if rest == "config.json":
            return Response(json.dumps(cfg), 200, {**self.headers(cfg), "content-type": "application/json"})
        review = _REVIEW_LINK.fullmatch(rest)
        if review:  # the owner's emails link here: the page itself is a hash route
            return redirect(f"{PREFIX}/#/reviews/{review.group(1)}")
        if rest.startswith(names.GALLERY_IMAGES_PATH):
            return self.image(rest.removeprefix(names.GALLERY_IMAGES_PATH))
        found = self.asset(rest or "index.html")  # pages are hash routes: /gallery/#/designs/<id>
        if found is None:
            return Response("Not found\n", 404, SITE_HEADERS)
        content_type = (
            "text/javascript" if found.suffix == ".js" else mimetypes.guess_type(found.name)[0] or "text/plain"
        )
        return Response(
            found.read_bytes(),
            200,
            {**self.headers(cfg), "content-type": f"{content_type}; charset=utf-8", "cache-control": "no-cache"},
        )
