"""Decoding of uploaded image bytes into RGB arrays."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from salon.ai.errors import InvalidImageError

_FORMATS = ("JPEG", "PNG")


def decode(image: bytes) -> Image.Image:
    """Decode JPEG/PNG bytes to an RGB image with EXIF orientation applied."""
    if not isinstance(image, bytes | bytearray | memoryview) or len(image) == 0:
        raise InvalidImageError("image bytes are empty")
    img: Image.Image
    try:
        img = Image.open(io.BytesIO(bytes(image)), formats=_FORMATS)
        img.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InvalidImageError(f"not a decodable JPEG or PNG image: {exc}") from exc
    img = ImageOps.exif_transpose(img) or img
    if img.mode != "RGB":
        img = img.convert("RGBA").convert("RGB") if "A" in img.mode or img.mode == "P" else img.convert("RGB")
    return img


def to_array(img: Image.Image, max_side: int) -> np.ndarray:
    """Downscale so the longer side is at most ``max_side``; return float32 RGB in [0, 1]."""
    w, h = img.size
    scale = max_side / max(w, h)
    if scale < 1:
        img = img.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.BILINEAR)
    return np.asarray(img, dtype=np.float32) / 255.0
