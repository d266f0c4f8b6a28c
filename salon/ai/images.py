"""Decoding of uploaded image bytes into RGB arrays."""

from __future__ import annotations

import io

import cv2
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


def rgb_array(img: Image.Image, max_side: int) -> np.ndarray:
    """uint8 RGB, downscaled (area interpolation) so the longer side is at most ``max_side``."""
    rgb: np.ndarray = np.asarray(img.convert("RGB"))
    h, w = rgb.shape[:2]
    s = max_side / max(h, w)
    if s < 1:
        rgb = cv2.resize(rgb, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(rgb)


def lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB with L in 0-100 and a/b centred on 0, float32."""
    out = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    out[..., 0] *= 100 / 255
    out[..., 1:] -= 128
    return out
