"""Is an upload a real, reasonable image? Pure logic over bytes; no AWS calls."""

from __future__ import annotations

import io
import json
import re
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image, UnidentifiedImageError

from functions import names
from functions.domain.identity import USERNAME_SEGMENT
from functions.domain.renditions import DECODE_BUDGET

ALLOWED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}
KEY_PATTERN = re.compile(
    rf"^{re.escape(names.UPLOAD_PREFIX)}(?P<designer>{USERNAME_SEGMENT})/"
    r"(?P<photo_id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(?P<ext>jpg|png)$"
)


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 10 * 1024 * 1024
    min_side: int = 64
    max_side: int = 8192
    max_pixels: int = 40_000_000  # decompression-bomb guard, checked before decoding


@dataclass(frozen=True)
class Inspection:
    reasons: list[str]
    format: str | None = None
    width: int = 0
    height: int = 0

    @property
    def valid(self) -> bool:
        return not self.reasons


def parse_key(key: str) -> tuple[str, str] | None:
    """uploads/<designer>/<uuid>.<ext> -> (designer, photo_id), or None for any other key."""
    match = KEY_PATTERN.match(key)
    return (match["designer"], match["photo_id"]) if match else None


def _header(data: bytes) -> tuple[str | None, int, int]:
    """Format and size from the header alone, without Pillow's bomb check: for the reason a bomb is refused."""
    Image.init()
    for fmt in Image.ID:
        factory, accept = Image.OPEN[fmt]
        if accept and not accept(data[:16]):
            continue
        try:
            image = factory(io.BytesIO(data), "")
        except Exception:  # not this format (each plugin raises its own errors): try the next, as Image.open does
            continue
        return image.format, *image.size
    return None, 0, 0


def _too_many_pixels(data: bytes, limits: Limits) -> Inspection:
    fmt, width, height = _header(data)
    if fmt not in ALLOWED_FORMATS:
        return Inspection([f"The upload is {fmt or 'an unknown format'}; only JPEG and PNG are accepted."])
    limit = limits.max_pixels if width * height > limits.max_pixels else Image.MAX_IMAGE_PIXELS
    return Inspection([f"The image has {width}x{height} pixels; the limit is {limit} pixels."], fmt, width, height)


def inspect_image(
    data: bytes, declared_type: str | None, limits: Limits = Limits(), size: int | None = None
) -> Inspection:
    """Checks size, real format, declared content type, dimensions and pixel count, and decodes it fully.

    `size` is the object's real size when `data` holds only its first bytes (a reader stops past the limit).
    """
    total = len(data) if size is None else size
    if not total:
        return Inspection(["The upload is empty."])
    if total > limits.max_bytes:
        return Inspection([f"The upload is {total} bytes; the limit is {limits.max_bytes} bytes."])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            fmt, (width, height) = image.format, image.size
            if fmt not in ALLOWED_FORMATS:
                return Inspection([f"The upload is {fmt or 'an unknown format'}; only JPEG and PNG are accepted."])
            if width * height > limits.max_pixels:
                return Inspection(
                    [f"The image has {width}x{height} pixels; the limit is {limits.max_pixels} pixels."],
                    fmt,
                    width,
                    height,
                )
            with DECODE_BUDGET.claim(width * height):
                image.load()  # full decode: truncated or corrupt files fail here
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):  # Pillow's own guard, at open
        return _too_many_pixels(data, limits)
    except UnidentifiedImageError:
        return Inspection(["The upload is not a JPEG or PNG image."])
    except (OSError, SyntaxError, ValueError) as exc:
        return Inspection([f"The image is damaged and cannot be decoded ({exc})."])
    reasons = []
    if declared_type and declared_type != ALLOWED_FORMATS[fmt]:
        reasons.append(f"The upload was declared as {declared_type} but is a {fmt} image.")
    if min(width, height) < limits.min_side:
        reasons.append(f"The image is {width}x{height}; each side must be at least {limits.min_side} pixels.")
    if max(width, height) > limits.max_side:
        reasons.append(f"The image is {width}x{height}; no side may exceed {limits.max_side} pixels.")
    return Inspection(reasons, fmt, width, height)


def uploader_of(metadata: dict[str, str]) -> dict[str, Any]:
    """The uploader identity the API pinned into the object's metadata ({} when absent or not an object)."""
    try:
        value = json.loads(metadata.get(names.UPLOADER_METADATA, "{}"))
    except json.JSONDecodeError:
        value = {}
    return value if isinstance(value, dict) else {}


def uploader_reasons(uploader: dict[str, Any], designer: str) -> list[str]:
    """Why the upload's identity does not fit its key (one designer uploads under their own prefix only)."""
    if uploader.get("username") != designer:
        return ["The upload's uploader identity does not match the designer prefix of its key."]
    return []
