"""Decoding of uploaded image bytes into RGB arrays."""

from __future__ import annotations

import hashlib
import io
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from salon.ai.errors import InvalidImageError

_FORMATS = ("JPEG", "PNG")
# A photo's DetectLabels and DetectModerationLabels calls decode the same bytes and downscale the result to the
# same sizes: the last two decoded images (full size: a phone photo is 36 MB), and the arrays derived from the last
# few sources (the decoded image, its downscaled copy and that copy padded, for each photo), are remembered.
_RECENT = 2
_RECENT_SOURCES = 3 * _RECENT


class _Recent:
    """The last ``_RECENT`` decoded images by digest of their bytes, and arrays derived from recent sources."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._images: OrderedDict[bytes, Image.Image] = OrderedDict()
        self._derived: OrderedDict[int, tuple[weakref.ref[Any], dict[Any, np.ndarray]]] = OrderedDict()

    def image(self, key: bytes, make: Callable[[], Image.Image]) -> Image.Image:
        with self._lock:
            img = self._images.get(key)
            if img is not None:
                self._images.move_to_end(key)
                return img
        img = make()
        with self._lock:
            self._images[key] = img
            while len(self._images) > _RECENT:
                self._images.popitem(last=False)
        return img

    def array(self, source: Any, key: Any, make: Callable[[], np.ndarray]) -> np.ndarray:
        """``make()`` for ``source`` (by identity) and ``key``, computed once while the source is recent."""
        with self._lock:
            entry = self._derived.get(id(source))
            if entry is not None and entry[0]() is source and key in entry[1]:
                self._derived.move_to_end(id(source))
                return entry[1][key]
        arr = make()
        arr.flags.writeable = False
        with self._lock:
            entry = self._derived.get(id(source))
            if entry is None or entry[0]() is not source:  # a new source (or an old one's id reused)
                entry = (weakref.ref(source), {})
                self._derived[id(source)] = entry
            entry[1][key] = arr
            self._derived.move_to_end(id(source))
            for dead in [k for k, (ref, _) in self._derived.items() if ref() is None]:
                del self._derived[dead]
            while len(self._derived) > _RECENT_SOURCES:
                self._derived.popitem(last=False)
        return arr


_recent = _Recent()


def frozen(arr: np.ndarray) -> bool:
    """Whether the pixels of ``arr`` cannot change: read-only down to data it owns or an immutable bytes object
    (the arrays of ``rgb_array`` and ``derived``)."""
    a: Any = arr
    while isinstance(a, np.ndarray):
        if a.flags.writeable:
            return False
        a = a.base
    return a is None or isinstance(a, bytes)


def derived(source: np.ndarray, key: Any, make: Callable[[], np.ndarray]) -> np.ndarray:
    """``make()``, an array computed from ``source`` (read-only): once per ``key`` while ``source`` is recent
    when ``source`` is ``frozen``, else every time."""
    return _recent.array(source, key, make) if frozen(source) else make()


def decode(image: bytes) -> Image.Image:
    """Decode JPEG/PNG bytes to an RGB image with EXIF orientation applied (the same object for the same bytes
    while they are among the last few decoded: treat it as read-only)."""
    if not isinstance(image, bytes | bytearray | memoryview) or len(image) == 0:
        raise InvalidImageError("image bytes are empty")
    data = bytes(image)
    return _recent.image(hashlib.blake2b(data, digest_size=16).digest(), lambda: _decode(data))


def _decode(data: bytes) -> Image.Image:
    img: Image.Image
    try:
        img = Image.open(io.BytesIO(data), formats=_FORMATS)
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
    """uint8 RGB, downscaled (area interpolation) so the longer side is at most ``max_side``; read-only (it is
    computed once per recent image and size)."""
    return _recent.array(img, ("rgb", max_side), lambda: _rgb_array(img, max_side))


def _rgb_array(img: Image.Image, max_side: int) -> np.ndarray:
    rgb: np.ndarray = np.asarray(img if img.mode == "RGB" else img.convert("RGB"))
    h, w = rgb.shape[:2]
    s = max_side / max(h, w)
    if s < 1:
        rgb = cv2.resize(rgb, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(rgb)


# OpenCV's 8-bit Lab (L scaled to 0-255, a and b offset by 128) to float32 Lab, one table per channel: the same
# float32 values as converting the array and scaling L by 100/255 and shifting a and b by -128 in place.
_LAB_L = np.arange(256, dtype=np.float32) * np.float32(100 / 255)
_LAB_AB = np.arange(256, dtype=np.float32) - np.float32(128)


def lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB with L in 0-100 and a/b centred on 0, float32."""
    l8, a8, b8 = cv2.split(cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB))
    out: np.ndarray = cv2.merge([_LAB_L[l8], _LAB_AB[a8], _LAB_AB[b8]])
    return out
