"""Default labels tier: MediaPipe hand landmarks + a colour reading of each fingernail, plus the classical evidence.

Always used when the ``@mediapipe/hands`` package (npm) and the LiteRT runtime are installed; otherwise the
classical tier (``labels_classical.py``) runs alone and ``tiers()`` says why. Nothing here is trained: the
constants are round numbers chosen from colour and geometry.

Per hand (``hands.HandLandmarker``):

1. Skin reference of each finger: the median colour (CIELAB) of its middle phalanx (between the two joints
   below the nail).
2. Local background: k-means prototypes of the pixels well away from the hand on the side the fingers point
   to (the arm side often holds a sleeve whose colour would mask dark polish).
3. Nail reading: a narrow strip along the finger's axis from the last joint (DIP) through the tip landmark and
   beyond (long nails reach past it). A nail is painted when, after skin, the strip shows a run of one
   uniform colour that departs from the finger's skin, is neither background nor a skin-background blend
   (shadows, soft edges), and is longer than a fifth of the DIP-TIP length. Lighter-than-skin runs with
   little change of redness are natural nails (on darker skin the nail bed is lighter) and do not count.
4. ``Manicure`` is a logistic score of the largest group of painted nails of one colour (polish goes on
   every nail; two matching nails reach about 75), plus half a point per other painted nail (nail art mixes
   colours), plus half of the classical tier's positive evidence (it sees nails outside the landmark strips).

Without a readable hand the classical evidence is used alone when skin covers a large part of the image
(a close-up of fingers whose palm is out of frame, press-on nails worn on fingertips) or the palm detector
found a large palm that the landmark model could not read (drawings, unusual poses), and is capped below
the acceptance threshold otherwise (same-coloured blobs in a scene without a hand are rarely a manicure:
food, fur, people far away).
"""

from __future__ import annotations

import json
import logging
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

from salon.ai import hands as hand_model
from salon.ai.images import lab as lab_of
from salon.ai.images import rgb_array
from salon.ai.labels_classical import TIER as CLASSICAL_TIER
from salon.ai.labels_classical import ClassicalLabeler, HandFeatures, hand_features, manicure_logit
from salon.ai.tiers import first_available

log = logging.getLogger(__name__)

_MAX_SIDE = 640
_WEIGHTS = np.array([0.5, 1.0, 1.0], dtype=np.float32)  # lightness at half weight
_OFF_SKIN = 18.0  # colour distance from the finger's skin that makes a strip sample a polish candidate
_BACKGROUND = 12.0  # distance to a background prototype (or a skin-background blend) below which it is background
_SAME_RUN = 22.0  # samples of one painted nail stay within this distance of the run's colour
_MIN_RUN = 0.2  # a painted run is at least this share of the DIP-TIP length
_STRIP_HALF_WIDTH = 0.15  # of the DIP-TIP length, either side of the finger's axis
_SAME_POLISH = 20.0  # nails painted alike are within this Lab distance of each other
_CLOSE_UP_SKIN = 0.3  # without a hand, classical evidence counts only when skin covers this share of the image
_SOME_SKIN = 0.05  # skin share of the image below which the whole-image landmark pass is skipped
_LARGE_PALM = 0.25  # a palm box this large (share of the longer side) marks a close-up hand, even unreadable
_SOFT_OFF_SKIN = 9.0  # a nail plate this far from its finger's skin may be nude polish (feature soft_matching)
_SOFT_SAME = 12.0  # plates painted alike are within this distance of each other (feature soft_matching)
_NO_HAND_CAP = -1.0  # logit cap for classical evidence in a scene without a hand (about 27)


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


def _dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d: np.ndarray = np.sqrt((((a - b) * _WEIGHTS) ** 2).sum(-1))
    return d


@dataclass(frozen=True)
class Nail:
    colour: np.ndarray  # Lab median of the painted run
    delta: np.ndarray  # colour minus the finger's skin
    start: float  # where the run starts, in DIP-TIP lengths from the DIP joint
    length: float  # run length, in DIP-TIP lengths


@dataclass(frozen=True)
class HandReading:
    presence: float
    source: str
    nails: list[Nail | None] = field(default_factory=list)  # one per finger, thumb first; None: not painted
    plates: list[Plate] = field(default_factory=list)  # the nail plate of each finger that could be read

    @property
    def painted(self) -> list[Nail]:
        return [n for n in self.nails if n is not None]

    @property
    def matching(self) -> int:
        """Size of the largest group of painted nails with one colour."""
        cols = [n.colour for n in self.painted]
        return max((sum(float(np.linalg.norm(c - o)) < _SAME_POLISH for o in cols) for c in cols), default=0)


@dataclass(frozen=True)
class Plate:
    """The nail plate of one finger (strip samples from 0.35 to 1.0 DIP-TIP lengths) against its own skin."""

    colour: np.ndarray  # Lab median of the plate
    skin: np.ndarray  # Lab median of the finger's middle phalanx
    gloss: float  # lightness of the plate's brightest samples (95th percentile) above its median
    white_tip: float  # length (DIP-TIP lengths) of a light, colourless band beyond the fingertip: a French tip
    # or a long bare free edge
    edge: float  # the sharpest colour step along the finger between the last joint and the nail's middle
    # (polish ends in a crisp line at the cuticle; a bare nail bed blends into the skin)


def _chroma(c: np.ndarray) -> float:
    return float(np.hypot(c[..., 1], c[..., 2]))


def _ellipse_pixels(lab: np.ndarray, centre: np.ndarray, axis: np.ndarray, along: float, across: float) -> np.ndarray:
    """The pixels of ``lab`` inside a filled ellipse (as ``cv2.ellipse`` draws it on the whole image), drawn and
    read in a window around it only: the window moves the drawing by whole pixels and the image border clips it."""
    angle = float(np.degrees(np.arctan2(axis[1], axis[0])))
    axes = (max(1, round(along)), max(1, round(across)))
    cx, cy = round(float(centre[0])), round(float(centre[1]))
    r = max(axes) + 2
    h, w = lab.shape[:2]
    x0, y0, x1, y1 = max(0, cx - r), max(0, cy - r), min(w, cx + r + 1), min(h, cy + r + 1)
    if x1 <= x0 or y1 <= y0:
        return lab[:0, 0]
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.ellipse(mask, (cx - x0, cy - y0), axes, angle, 0, 360, 1, -1)
    return lab[y0:y1, x0:x1][mask.astype(bool)]


def _hull_pixels(lab: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The pixels of ``lab`` inside the convex hull of integer ``points`` (as ``cv2.fillConvexPoly`` fills it on the
    whole image), drawn and read in the hull's bounding box only."""
    hull = cv2.convexHull(points)
    h, w = lab.shape[:2]
    x0, y0 = max(0, int(hull[..., 0].min())), max(0, int(hull[..., 1].min()))
    x1, y1 = min(w, int(hull[..., 0].max()) + 1), min(h, int(hull[..., 1].max()) + 1)
    if x1 <= x0 or y1 <= y0:
        return lab[:0, 0]
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillConvexPoly(mask, hull - np.array([x0, y0], hull.dtype), 1)
    return lab[y0:y1, x0:x1][mask == 1]


def _background(lab: np.ndarray, xy: np.ndarray, scale: float) -> np.ndarray:
    """Colour prototypes of the background beyond the fingers (k-means, at most 4), on a subsampled grid."""
    step = max(1, max(lab.shape[:2]) // 160)
    lab = lab[::step, ::step]
    xy = xy / step
    h, w = lab.shape[:2]
    hull = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(hull, cv2.convexHull(xy.astype(np.int32)), 1)
    k = max(2, round(1.5 * scale / step))
    far = cv2.dilate(hull, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * k + 1, 2 * k + 1))) == 0
    axis = xy[hand_model.MIDDLE_MCP] - xy[hand_model.WRIST]
    reach = float(np.linalg.norm(axis))
    axis = axis / (reach or 1.0)
    yy, xx = np.ogrid[0:h, 0:w]
    distal = far & ((xx - xy[0, 0]) * axis[0] + (yy - xy[0, 1]) * axis[1] > reach)
    px = lab[distal if distal.sum() >= 50 else far]
    if len(px) < 30:
        return np.zeros((0, 3), np.float32)
    px = np.ascontiguousarray(px[:: max(1, len(px) // 3000)], dtype=np.float32)
    cv2.setRNGSeed(0)
    criteria = (cv2.TERM_CRITERIA_MAX_ITER, 10, 1.0)
    _, _, centers = cv2.kmeans(px, 4, None, criteria, 1, cv2.KMEANS_PP_CENTERS)  # type: ignore[call-overload]
    return np.asarray(centers, dtype=np.float32)


def _strip(
    lab: np.ndarray, dip: np.ndarray, direction: np.ndarray, length: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions (in DIP-TIP lengths), median colours across a narrow strip along the finger's axis, and the
    strip's samples themselves ([position, across, Lab])."""
    perp = np.array([-direction[1], direction[0]])
    s = np.linspace(-0.3, 2.2, max(8, round(2.5 * length)))
    w = np.linspace(-_STRIP_HALF_WIDTH, _STRIP_HALF_WIDTH, 5) * length
    pts = dip + (s[:, None, None] * length) * direction + w[None, :, None] * perp
    vals = cv2.remap(
        lab,
        pts[..., 0].astype(np.float32),
        pts[..., 1].astype(np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(-999.0, 0.0, 0.0),
    )
    inside = (vals[..., 0] > -500).all(1)
    return s[inside], np.median(vals[inside], axis=1), vals[inside]


def _same_run(prof: np.ndarray, i: int, k: int) -> bool:
    """Whether sample ``k`` stays close to the median colour of the run ``prof[i:k]``."""
    return bool(_dist(prof[k], np.median(prof[i:k], axis=0)) < _SAME_RUN)


def _painted_run(s: np.ndarray, prof: np.ndarray, skin: np.ndarray, protos: np.ndarray) -> Nail | None:
    """The first run of one off-skin, non-background colour that follows skin, if it is long enough."""
    if not len(s):
        return None
    off = _dist(prof, skin)
    bg = np.full(len(prof), np.inf)
    for c in protos:
        bg = np.minimum(bg, _dist(prof, c))
        v = c - skin
        t = np.clip(((prof - skin) @ v) / max(float(v @ v), 1e-6), 0.1, 0.9)
        bg = np.minimum(bg, _dist(prof, skin + t[:, None] * v) + 2.0)
    candidate = (off > _OFF_SKIN) & (bg > _BACKGROUND)
    seen_skin = False
    i = 0
    while i < len(s):
        seen_skin |= bool(off[i] < _OFF_SKIN and s[i] < 1.6)
        if candidate[i] and seen_skin and 0.2 <= s[i] <= 1.6:
            j = i
            while j + 1 < len(s) and candidate[j + 1] and _same_run(prof, i, j + 1):
                j += 1
            if s[j] - s[i] >= _MIN_RUN:
                colour = np.median(prof[i : j + 1], axis=0)
                return Nail(colour, colour - skin, float(s[i]), float(s[j] - s[i]))
            i = j
        i += 1
    return None


def _natural(nail: Nail) -> bool:
    """Lighter than the skin with little change of redness: a bare nail bed (typical on darker skin)."""
    dl, da, db = (float(v) for v in nail.delta)
    return dl > 3.0 and abs(da) < 8.0 and db < 0.0


def read_hand(lab: np.ndarray, hand: hand_model.Hand) -> HandReading:
    xy, scale = hand.xy, max(hand.finger_length, 2.0)
    protos = _background(lab, xy, scale)
    palm = _hull_pixels(lab, xy[list(hand_model.PALM)].astype(np.int32))
    hand_skin = np.median(palm, axis=0) if len(palm) > 10 else None
    nails: list[Nail | None] = []
    plates: list[Plate] = []
    for pip, dip, tip in hand_model.FINGERS:
        p, d, t = xy[pip], xy[dip], xy[tip]
        length = max(float(np.linalg.norm(t - d)), 0.5 * scale, 2.0)
        direction = (t - d) / (float(np.linalg.norm(t - d)) or 1.0)
        phalanx = _ellipse_pixels(lab, (p + d) / 2, d - p, 0.3 * float(np.linalg.norm(d - p)), 0.25 * length)
        skin = np.median(phalanx, axis=0) if len(phalanx) >= 3 else hand_skin
        if skin is None:
            nails.append(None)
            continue
        s, prof, raw = _strip(lab, d, direction, length)
        nail = _painted_run(s, prof, skin, protos)
        nails.append(None if nail is None or _natural(nail) else nail)
        plate = _plate(s, prof, raw, skin, protos)
        if plate is not None:
            plates.append(plate)
    return HandReading(hand.presence, hand.source, nails, plates)


def _plate(s: np.ndarray, prof: np.ndarray, raw: np.ndarray, skin: np.ndarray, protos: np.ndarray) -> Plate | None:
    on = (s >= 0.35) & (s <= 1.0)
    if on.sum() < 2:
        return None
    px = raw[on].reshape(-1, 3)
    colour = np.median(px, axis=0)
    light = px[:, 0]
    gloss = float(np.percentile(light, 95) - np.median(light))
    # French tip / free edge: consecutive samples past the tip that are light, nearly colourless, not background.
    bg = np.full(len(prof), np.inf)
    for c in protos:
        bg = np.minimum(bg, _dist(prof, c))
    white = (prof[:, 0] > skin[0] + 8.0) & (np.hypot(prof[:, 1], prof[:, 2]) < 14.0) & (bg > _BACKGROUND)
    step = float(s[1] - s[0]) if len(s) > 1 else 0.1
    best = run = 0
    for i in np.nonzero((s > 0.8) & (s <= 1.9))[0]:
        run = run + 1 if white[i] else 0
        best = max(best, run)
    near = np.nonzero((s >= 0.05) & (s <= 0.8))[0]
    near = near[near + 1 < len(prof)]
    steps = _dist(prof[near + 1], prof[near])  # row by row, the same values as one _dist per pair
    edge = (float(steps.max()) if len(steps) else 0.0) / max(step / 0.1, 1e-6)  # per tenth of a DIP-TIP length
    return Plate(colour, skin, gloss, best * step, edge)


FEATURES = (
    "matching",  # the largest group of painted nails of one colour (0-5)
    "painted_other",  # painted nails of other colours (nail art mixes colours)
    "plate_contrast",  # median colour distance of the nail plates from their finger's skin (lightness at half weight)
    "plate_chroma",  # median |chroma of the plate - chroma of the skin|: polish is more (or less) saturated
    "plate_lightness",  # median lightness of the plate minus the skin's
    "plate_spread",  # median distance of each plate from the hand's median plate: polish is one colour
    "gloss",  # median gloss of the plates (brightest samples above the median lightness)
    "white_tips",  # share of plates that end in a white band (French tips; also long bare free edges)
    "soft_matching",  # the largest group of plates >= 9 from their skin and within 12 of each other (nude polish)
    "edge",  # median sharpest colour step near the cuticle
    "classical",  # the classical tier's logit, clipped to [-3, 3]
)
HEAD_PATH = Path(__file__).with_name("labels_head.json")


def reading_features(reading: HandReading, classical: HandFeatures) -> list[float]:
    """The feature row of one hand, in the order of ``FEATURES``."""
    plates = reading.plates
    m = reading.matching
    if plates:
        contrast = float(np.median([float(_dist(p.colour, p.skin)) for p in plates]))
        chroma = float(np.median([abs(_chroma(p.colour) - _chroma(p.skin)) for p in plates]))
        light = float(np.median([float(p.colour[0] - p.skin[0]) for p in plates]))
        centre = np.median([p.colour for p in plates], axis=0)
        spread = float(np.median([float(_dist(p.colour, centre)) for p in plates]))
        gloss = float(np.median([p.gloss for p in plates]))
        tips = sum(p.white_tip >= 0.15 for p in plates) / len(plates)
        off = [p.colour for p in plates if float(_dist(p.colour, p.skin)) >= _SOFT_OFF_SKIN]
        soft = max((sum(float(_dist(c, o)) < _SOFT_SAME for o in off) for c in off), default=0)
        edge = float(np.median([p.edge for p in plates]))
    else:
        contrast = chroma = light = spread = gloss = tips = edge = 0.0
        soft = 0
    zc = max(-3.0, min(3.0, manicure_logit(classical)))
    return [
        float(m),
        float(len(reading.painted) - m),
        contrast,
        chroma,
        light,
        spread,
        gloss,
        tips,
        float(soft),
        edge,
        zc,
    ]


class ManicureModel:
    """The logistic regression of ``labels_fit.py`` (fitted on rendered hands only) over ``reading_features``."""

    def __init__(self, model: dict[str, Any]) -> None:
        if list(model["features"]) != list(FEATURES):
            raise ValueError(f"{HEAD_PATH.name} was fitted on other features: run python -m salon.ai.labels_fit")
        self._mean = np.array(model["mean"], dtype=np.float64)
        self._std = np.array(model["std"], dtype=np.float64)
        self._w = np.array(model["weights"], dtype=np.float64)
        self._b = float(model["bias"])

    @classmethod
    def load(cls, path: Path = HEAD_PATH) -> ManicureModel:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def logits(self, x: np.ndarray) -> np.ndarray:
        z: np.ndarray = ((np.atleast_2d(x) - self._mean) / self._std) @ self._w + self._b
        return z

    def logit(self, row: list[float]) -> float:
        return float(self.logits(np.array(row, dtype=np.float64))[0])


def hand_logit(reading: HandReading) -> float:
    m = reading.matching
    return 1.5 * (m - 2) + 1.1 + 0.5 * (len(reading.painted) - m)


def combined_logit(
    readings: list[HandReading], classical: HandFeatures, palm: float = 0.0, model: ManicureModel | None = None
) -> float:
    """Logit of ``Manicure`` from the hand readings, the classical features and the largest palm's size.

    With a readable hand: the fitted model (``model``) over each hand's features, or without it the hand-set
    rule (``hand_logit`` plus half the classical tier's positive evidence); the best hand counts."""
    zc = manicure_logit(classical)
    if readings and model is not None:
        return max(model.logit(reading_features(r, classical)) for r in readings)
    if readings:
        return max(hand_logit(r) for r in readings) + 0.5 * min(3.0, max(0.0, zc))
    if classical.hand >= _CLOSE_UP_SKIN or palm >= _LARGE_PALM:
        return zc
    return min(zc, _NO_HAND_CAP)


class HandLabeler:
    """Labels from MediaPipe hand landmarks and a colour reading of each nail, plus the classical evidence."""

    def __init__(self, landmarker: hand_model.HandLandmarker, model: ManicureModel | None = None) -> None:
        self._landmarker = landmarker
        self._model = model
        how = "a logistic model fitted on rendered hands" if model is not None else "hand-set weights"
        self.tier = (
            f"hand landmarks + nail colour: {hand_model.describe(landmarker)}; nails read along each finger's "
            f"axis against its own skin, scored by {how}, with the {CLASSICAL_TIER}"
        )

    @property
    def landmarker(self) -> hand_model.HandLandmarker:
        return self._landmarker

    def readings(self, img: Image.Image, look_closer: bool = True) -> tuple[list[HandReading], float]:
        """A reading per readable hand, and the size of the largest palm found (see ``HandSearch``)."""
        rgb = rgb_array(img, _MAX_SIDE)
        search = self._landmarker.detect(rgb, look_closer=look_closer)
        if not search.hands:
            return [], search.palm
        lab = lab_of(rgb)
        return [read_hand(lab, h) for h in search.hands], search.palm

    def scores(self, img: Image.Image) -> dict[str, float]:
        classical = hand_features(img)
        # The whole-image landmark pass (close-ups without a palm) only where there is some skin to look at.
        readings, palm = self.readings(img, look_closer=classical.hand >= _SOME_SKIN)
        # Hand and Skin from the classical tier; the manicure labels are recomputed from the combined evidence.
        out = {k: v for k, v in ClassicalLabeler.scores_from(classical).items() if k in ("Hand", "Skin")}
        z = combined_logit(readings, classical, palm, self._model)
        if readings:
            presence = 100 * max(r.presence for r in readings)
            out["Hand"] = max(out.get("Hand", 0.0), presence)
            out["Finger"] = max(out.get("Finger", 0.0), presence)
        hand = out.get("Hand", 0.0)
        if not readings and not out:
            return {}
        out["Manicure"] = min(100 * _sigmoid(z), hand + 10)
        out["Nail Polish"] = min(100 * _sigmoid(z - 0.3), hand + 10)
        if out["Manicure"] >= 50:
            out["Nail"] = max(out.get("Nail", 0.0), out["Manicure"])
            out["Finger"] = max(out.get("Finger", 0.0), out["Manicure"])
        return out


# The model fitted on rendered hands is opt-in: on real photos it approved 9 of 78 off-topic photos (bare nails
# scored 72-92) against 1 of 78 for the hand-set rule (docs/ai-stand-ins.md), so the rule stays the default.
FITTED_MODEL_ENV = "SALON_MANICURE_MODEL"


def load() -> HandLabeler:
    """The hand tier with the hand-set rule; with the fitted manicure model when ``SALON_MANICURE_MODEL=fitted``
    (falling back to the rule when the model file is missing or stale, which ``tier`` then says)."""
    model: ManicureModel | None = None
    problem = ""
    if os.environ.get(FITTED_MODEL_ENV) == "fitted":
        try:
            model = ManicureModel.load()
        except (OSError, ValueError, KeyError) as exc:
            problem = f" [{HEAD_PATH.name} unusable: {exc}]"
            log.warning("manicure model unusable (%s); using the hand-set rule", exc)
    labeler = HandLabeler(hand_model.load(), model)
    labeler.tier += problem
    return labeler


def load_default() -> Any:
    """The hand tier when the @mediapipe/hands package and LiteRT are installed, else the classical tier."""
    return first_available(load, ClassicalLabeler, "MediaPipe hand model")
