"""Shared fixtures: models load once per session; synthetic images are drawn with Pillow."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from salon.ai import TextModels, VisionModels

SKIN = (224, 172, 140)
BACKGROUND = (236, 236, 232)


def to_bytes(img: Image.Image, fmt: str = "JPEG") -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, quality=92)
    return buf.getvalue()


def draw_hand(polish: tuple[int, int, int] | None, size: int = 320) -> Image.Image:
    """A flat-lit dorsal hand: palm, four fingers and a thumb; nails painted when ``polish`` is set."""
    img = Image.new("RGB", (size, size), BACKGROUND)
    d = ImageDraw.Draw(img)
    s = size / 320
    d.rounded_rectangle([90 * s, 170 * s, 230 * s, 300 * s], radius=30 * s, fill=SKIN)
    tips = []
    for i, top in enumerate((70, 50, 55, 80)):
        x0 = (92 + i * 35) * s
        d.rounded_rectangle([x0, top * s, x0 + 30 * s, 200 * s], radius=14 * s, fill=SKIN)
        tips.append((x0 + 5 * s, (top + 4) * s, x0 + 25 * s, (top + 30) * s))
    d.rounded_rectangle([220 * s, 180 * s, 290 * s, 215 * s], radius=15 * s, fill=SKIN)
    tips.append((265 * s, 185 * s, 287 * s, 210 * s))
    for box in tips:
        if polish is None:
            d.rounded_rectangle(box, radius=8 * s, fill=(236, 190, 170), outline=(214, 160, 135))
        else:
            d.rounded_rectangle(box, radius=8 * s, fill=polish)
            x0, y0, _, _ = box
            d.ellipse([x0 + 4 * s, y0 + 4 * s, x0 + 8 * s, y0 + 12 * s], fill=(255, 255, 255))
    return img.filter(ImageFilter.GaussianBlur(1.0))


def draw_landscape(size: int = 320, seed: int = 0) -> Image.Image:
    """Sky gradient, green hills and noise: photo-like, with no skin and no hand."""
    rng = np.random.default_rng(seed)
    y = np.linspace(0, 1, size)[:, None, None]
    sky = np.array([110, 160, 230]) * (1 - y) + np.array([200, 220, 245]) * y
    arr = np.repeat(sky, size, axis=1)
    hill = (np.sin(np.linspace(0, 6, size)) * 20 + size * 0.6).astype(int)
    for x in range(size):
        arr[hill[x] :, x] = (60, 130, 60)
    arr = arr + rng.normal(0, 8, arr.shape)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


@pytest.fixture(scope="session")
def vision() -> VisionModels:
    return VisionModels.load()


@pytest.fixture(scope="session")
def text() -> TextModels:
    return TextModels.load()
