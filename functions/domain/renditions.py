"""The published rendition of an upload: re-encoded from the decoded pixels, so the bytes judged are the bytes shown.

Re-encoding keeps nothing but pixels: metadata (EXIF with GPS, XMP, ICC, text chunks) is dropped, bytes
appended after the image (an HTML page or a ZIP after the JPEG end marker) are never read into it, and only
one frame exists (animated images are refused before this). Every rendition is a baseline JPEG at most
MAX_SIDE pixels on its long side; orientation from EXIF is applied first, transparency is flattened on white.

Decoding is the memory-hungry step (4 bytes a pixel and more), so decodes in one process share a pixel budget:
a call waits until its pixels fit, and a large JPEG is decoded at a reduced scale when that is all it needs.
"""

from __future__ import annotations

import contextlib
import io
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

from PIL import Image, ImageOps

MAX_SIDE = 2048  # long side of a published rendition
QUALITY = 90
CONTENT_TYPE = "image/jpeg"
EXTENSION = "jpg"


@dataclass(frozen=True)
class Rendition:
    data: bytes
    width: int
    height: int
    content_type: str = CONTENT_TYPE


class RenditionRefused(ValueError):
    """The image cannot be rendered for publishing; the message is the reason the designer sees."""


class PixelBudget:
    """At most `capacity` pixels decoded at once in this process; a larger single image still runs, alone."""

    def __init__(self, capacity: int) -> None:
        self.capacity, self.in_use, self.peak = capacity, 0, 0
        self._cond = threading.Condition()

    @contextlib.contextmanager
    def claim(self, pixels: int) -> Iterator[None]:
        pixels = max(1, pixels)
        with self._cond:
            self._cond.wait_for(lambda: self.in_use == 0 or self.in_use + pixels <= self.capacity)
            self.in_use += pixels
            self.peak = max(self.peak, self.in_use)
        try:
            yield
        finally:
            with self._cond:
                self.in_use -= pixels
                self._cond.notify_all()


# About 200 MB of decoded RGBA at once: one 40-megapixel image, or several ordinary photos side by side.
DECODE_BUDGET = PixelBudget(48_000_000)


def frame_count(image: Image.Image) -> int:
    return int(getattr(image, "n_frames", 1) or 1)


def _flatten(image: Image.Image) -> Image.Image:
    """RGB pixels: 16-bit and palette images converted, transparency composited on white."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return image.convert("RGB")


def render(data: bytes, budget: PixelBudget = DECODE_BUDGET, max_side: int = MAX_SIDE) -> Rendition:
    """Decodes `data` (already inspected: a JPEG or PNG within the limits) and re-encodes one frame of pixels."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data)) as image:
            frames = frame_count(image)
            if frames > 1:
                raise RenditionRefused(f"Animated images are not accepted (this one has {frames} frames).")
            width, height = image.size
            if image.format == "JPEG":  # decode at the smallest DCT scale that still covers max_side
                image.draft("RGB", (min(width, max_side), min(height, max_side)))
            with budget.claim(image.size[0] * image.size[1]):
                image.load()
                pixels = ImageOps.exif_transpose(image) or image
                pixels = _flatten(pixels)
                pixels.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
                out = io.BytesIO()
                pixels.save(out, "JPEG", quality=QUALITY, optimize=True)  # no exif=, icc_profile=: none written
    return Rendition(out.getvalue(), pixels.width, pixels.height)
