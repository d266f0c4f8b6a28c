"""Training photos the project makes itself for the nail reader (``labels_fit.py``): rendered hands.

The hands come from the demo's renderer (``salon.demo.images``: a posed 3-D hand skeleton, shaded skin, curved
nail plates, glossy polish, textured backgrounds, noise, blur and JPEG). This module only varies what the
demo does not: polish colours across the whole range people wear, including the hard ones (nude, sheer pink,
pastels, French tips with a barely tinted bed), bare nails with short and long free edges, busy multicoloured
backgrounds (a jigsaw of coloured pieces, as under a bare hand that fooled an earlier reader), smaller photos
and stronger JPEG compression. Nothing here comes from any evaluation data.
"""

from __future__ import annotations

import colorsys
import io
import random
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from salon.demo import images as demo

STYLES = ("plain", "plain", "plain", "french", "french-colour", "dots", "ombre", "glitter", "accent")


@dataclass(frozen=True)
class Sample:
    image: bytes
    manicure: bool
    kind: str  # polish style or "bare", plus the background ("jigsaw" or "plain")


def polish_colour(rnd: random.Random) -> tuple[int, int, int]:
    """Any hue; a third of the time a nude or pastel shade (light, little chroma), the hardest to see."""
    kind = rnd.random()
    if kind < 0.2:  # nude / beige / sheer pink: close to skin
        h, s, v = rnd.uniform(0.0, 0.1), rnd.uniform(0.12, 0.35), rnd.uniform(0.75, 0.97)
    elif kind < 0.35:  # pastel of any hue
        h, s, v = rnd.random(), rnd.uniform(0.15, 0.4), rnd.uniform(0.8, 1.0)
    else:
        h, s, v = rnd.random(), rnd.uniform(0.4, 1.0), rnd.uniform(0.15, 1.0)
    r, g, b = colorsys.hsv_to_rgb(h, s, v)
    return round(255 * r), round(255 * g), round(255 * b)


def _jigsaw(rnd: random.Random, h: int, w: int) -> np.ndarray:
    """A jigsaw-like surface: a grid of pieces in many saturated colours with dark seams, float RGB 0-1."""
    cell = rnd.randint(max(8, min(h, w) // 14), max(10, min(h, w) // 5))
    rows, cols = h // cell + 2, w // cell + 2
    colours = np.array([colorsys.hsv_to_rgb(rnd.random(), rnd.uniform(0.3, 1), rnd.uniform(0.3, 1)) for _ in range(9)])
    grid = colours[np.array([rnd.randrange(len(colours)) for _ in range(rows * cols)]).reshape(rows, cols)]
    img = cv2.resize(grid.astype(np.float32), (cols * cell, rows * cell), interpolation=cv2.INTER_NEAREST)[:h, :w]
    seams = np.zeros((h, w), np.float32)
    seams[::cell, :] = 1
    seams[:, ::cell] = 1
    img *= (1 - 0.6 * cv2.GaussianBlur(seams, (0, 0), 1.0))[..., None]
    return np.ascontiguousarray(img)


def _natural_nails(albedo: np.ndarray, gloss: np.ndarray, rnd: random.Random) -> None:
    """Real bare nails vary more than the demo's (a nail bed barely pinker than skin, matte): the bed ranges from
    skin-like to clearly pink or pale, a free edge can be whitish, and natural nails have some shine."""
    nail = gloss < 1.5  # the demo marks nail pixels with a gloss below 1.5 (skin is 2.0)
    if not nail.any():
        return
    pink = np.array([0.98, 0.72, 0.74], np.float32) if rnd.random() < 0.6 else np.array([0.96, 0.9, 0.86], np.float32)
    k = rnd.uniform(0.05, 0.4)
    albedo[nail] = albedo[nail] * (1 - k) + pink * k
    gloss[nail] = rnd.uniform(0.35, 0.9)


def _photo(scene: demo._Scene, nails: demo.Nails, rnd: random.Random, size: tuple[int, int], busy: bool) -> bytes:
    """As ``demo._photo`` (skin, nails, shading, drop shadow, noise, blur), with an optional jigsaw background."""
    c = scene.canvas
    rng = np.random.default_rng(rnd.getrandbits(32))
    tone = np.array(rnd.choice(demo.SKIN), np.float32) * np.array([rnd.uniform(0.96, 1.03) for _ in range(3)])
    skin = np.clip(tone / 255, 0, 1).astype(np.float32)
    albedo = demo._skin_albedo(scene, skin, rng)
    normal = c.n.copy()
    gloss = np.full((c.h, c.w), 2.0, np.float32)
    demo._nails(scene, nails, albedo, normal, gloss, rng, skin)
    if nails.style == "bare":
        _natural_nails(albedo, gloss, rnd)
    colour, mask = demo._shade(scene, albedo, normal, gloss, rnd)
    w, h = size
    alpha = cv2.resize(mask.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    hand = cv2.resize(colour, size, interpolation=cv2.INTER_AREA)
    bg = _jigsaw(rnd, h, w) if busy else demo._background(rnd, rng, h, w, skin)
    photo = (hand + bg * (1 - alpha)[..., None]).astype(np.float32)
    photo += rng.normal(0, rnd.uniform(0.006, 0.02), photo.shape).astype(np.float32)
    soft = cv2.GaussianBlur(photo, (0, 0), rnd.uniform(0.4, 1.0))
    rgb = np.clip(soft * 255 + 0.5, 0, 255).astype(np.uint8)
    if rnd.random() < 0.5:
        rgb = np.ascontiguousarray(rgb[:, ::-1])
    img = Image.fromarray(rgb)
    if rnd.random() < 0.35:  # a small, heavily compressed photo
        side = rnd.randint(150, 260)
        img = img.resize((side, round(side * h / w)), Image.Resampling.BILINEAR)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=rnd.randint(60, 92))
    return buf.getvalue()


def sample(
    seed: int,
    painted: bool | None = None,
    busy: bool | None = None,
    style: str | None = None,
    colour: tuple[int, int, int] | None = None,
) -> Sample:
    """One rendered hand: painted (any style and colour) or bare, on a plain or a jigsaw background.

    Everything follows from ``seed``; ``painted``, ``busy``, ``style`` and ``colour`` pin one choice."""
    rnd = random.Random(seed)
    drawn_painted = rnd.random() < 0.5
    painted = drawn_painted if painted is None else painted
    drawn_style, drawn_colour, second = rnd.choice(STYLES), polish_colour(rnd), polish_colour(rnd)
    length, shape = rnd.uniform(0.0, 0.9), rnd.choice(["round", "square", "almond"])
    if painted:
        style = style or drawn_style
        nails = demo.Nails(style, colour or drawn_colour, second, length, shape)
    else:
        style = "bare"
        nails = demo.Nails("bare", (0, 0, 0), (0, 0, 0), length / 4.5, "round")  # 0-0.2, as the demo's
    drawn_busy = rnd.random() < 0.3
    busy = drawn_busy if busy is None else busy
    w, h = rnd.choice([(360, 450), (450, 360), (400, 400)])
    scene = demo._build(demo._open_pose(rnd), rnd, h, w, demo._Camera())  # the demo renders at 2x; 1x is enough
    return Sample(_photo(scene, nails, rnd, (w, h), busy), painted, f"{style}/{'jigsaw' if busy else 'plain'}")
