"""Classical label model (OpenCV + numpy): a hand from skin regions, polish from matching blobs at its tips.

Always available; knows a handful of labels; weights and thresholds are set by hand (nothing is trained).

1. The hand is the union of the large skin-coloured regions (YCrCb rule).
2. Polish candidates are pixels near the hand whose colour departs from the hand's median skin colour,
   excluding colours explained by the background (k-means prototypes of the pixels far from the hand)
   or by a blend of skin and background (the soft edges and shadows around fingers).
3. A candidate blob counts as a nail when it is nail-sized, compact, lies towards the hand's
   extremities and borders on skin.
4. A manicure is several such blobs of one colour and similar size (polish is applied to every nail).
   Scenes whose skin-coloured region is not one uniform colour (food, wood, fur) and scenes with many
   off-skin blobs that are not nails (clutter) are discounted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from salon.ai.images import lab as lab_of
from salon.ai.images import rgb_array

TIER = (
    "classical OpenCV pipeline (skin region + same-coloured nail-shaped blobs at the hand's extremities; "
    "project code, hand-set weights)"
)
_MAX_SIDE = 256
_OFF_SKIN = 18.0  # colour distance (lightness at half weight) that makes a pixel a polish candidate
_BACKGROUND = 12.0  # distance to a background prototype below which a pixel is background
_BLEND = 10.0  # distance to a skin-background blend below which a pixel is an edge or shadow
_SAME_COLOUR = 18.0  # nails painted alike are within this Lab distance of each other
_MIN_SOLIDITY = 0.6  # nails are compact, convex blobs


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


@dataclass(frozen=True)
class HandFeatures:
    hand: float  # hand (largest skin regions) area / image area
    nails: int  # nail-like off-skin blobs at the hand's extremities
    matching_nails: int  # the largest group of those blobs with one colour and similar size
    candidates: int  # all off-skin blobs near the hand (clutter when far more than the nails)
    spread: float  # colour spread (a*, b* standard deviation) of the skin region; one hand's skin is uniform

    @property
    def clutter(self) -> float:
        return max(0.0, self.candidates - 8.0 * (self.nails + 1)) / (self.nails + 1)


def _hand_mask(rgb: np.ndarray) -> np.ndarray:
    ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb).astype(np.int16)
    y, cr, cb = ycc[..., 0], ycc[..., 1], ycc[..., 2]
    r, g, b = (rgb[..., i].astype(np.int16) for i in range(3))
    rule = (cr >= 135) & (cr <= 175) & (cb >= 80) & (cb <= 130) & (y > 50) & (r > g) & (r > b)
    skin: np.ndarray = cv2.morphologyEx(rule.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    n, lab, stats, _ = cv2.connectedComponentsWithStats(skin, connectivity=8)
    min_area = 0.02 * skin.size
    keep = [i for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] >= min_area]
    return np.isin(lab, keep).astype(np.uint8)


def _disk(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def _norm3(d0: np.ndarray, d1: np.ndarray, d2: np.ndarray) -> np.ndarray:
    """Euclidean norm of 3-vectors given by their components; the same float32 operations, in the same order, as
    ``np.sqrt((d ** 2).sum(-1))`` on the stacked [N, 3] array, without its slow reduction over a 3-long axis."""
    out: np.ndarray = np.sqrt(d0 * d0 + d1 * d1 + d2 * d2)
    return out


def _background_or_blend(lab: np.ndarray, far: np.ndarray, skin: np.ndarray) -> np.ndarray:
    """Pixels (of ``lab``, shape [N, 3]) explained by the background or by a skin-background blend."""
    out = np.zeros(len(lab), dtype=bool)
    far_px = far[:: max(1, len(far) // 3000)].astype(np.float32)
    if len(far_px) < 30:
        return out
    criteria = (cv2.TERM_CRITERIA_MAX_ITER, 10, 1.0)
    cv2.setRNGSeed(0)
    _, _, centers = cv2.kmeans(far_px, 4, None, criteria, 1, cv2.KMEANS_PP_CENTERS)  # type: ignore[call-overload]
    planes = np.ascontiguousarray(lab.T)  # one contiguous array per channel
    rel = lab - skin
    for c in centers:
        out |= _norm3(*(planes[i] - c[i] for i in range(3))) < _BACKGROUND
        v = c - skin
        t = np.clip((rel @ v) / max(float(v @ v), 1e-6), 0.0, 1.0)
        out |= _norm3(*(planes[i] - (skin[i] + t * v[i]) for i in range(3))) < _BLEND
    return out


def _is_nail(blob: np.ndarray, skin_only: np.ndarray) -> bool:
    """A compact blob that borders on skin over part of its outline."""
    contours, _ = cv2.findContours(blob, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return False
    hull_area = cv2.contourArea(cv2.convexHull(max(contours, key=cv2.contourArea)))
    if blob.sum() / max(hull_area, 1.0) < _MIN_SOLIDITY:
        return False
    ring = cv2.dilate(blob, np.ones((5, 5), np.uint8)) - blob
    return bool(ring.any()) and float(skin_only[ring == 1].mean()) >= 0.2


def _matching(nails: list[tuple[np.ndarray, int]]) -> int:
    """Size of the largest group of nails with one colour and similar size."""
    best = 0
    for colour, area in nails:
        group = sum(
            float(np.sqrt(((c - colour) ** 2).sum())) < _SAME_COLOUR and area / 3 < a < area * 3 for c, a in nails
        )
        best = max(best, group)
    return best


def hand_features(img: Image.Image) -> HandFeatures:
    rgb = rgb_array(img, _MAX_SIDE)
    hand = _hand_mask(rgb)
    area = int(hand.sum())
    if area < 0.03 * hand.size:
        return HandFeatures(area / hand.size, 0, 0, 0, 0.0)
    lab = lab_of(rgb)
    core = cv2.erode(hand, np.ones((3, 3), np.uint8))
    skin_px = lab[core == 1] if core.sum() > 50 else lab[hand == 1]
    med = np.median(skin_px, axis=0)
    spread = float(np.sqrt(skin_px[:, 1].var() + skin_px[:, 2].var()))
    k = max(3, round(0.07 * math.sqrt(area)))  # about half a finger's width
    region = cv2.dilate(hand, _disk(k)) == 1
    far = cv2.dilate(hand, _disk(3 * k)) == 0
    near_px = lab[region]
    # colour distance with lightness at half weight (the other two weights are 1: multiplying by them is exact)
    off = _norm3((near_px[:, 0] - med[0]) * np.float32(0.5), near_px[:, 1] - med[1], near_px[:, 2] - med[2]) > _OFF_SKIN
    off &= ~_background_or_blend(near_px, lab[far], med)
    cand = np.zeros(hand.shape, np.uint8)
    cand[region] = off
    n, labels, stats, centroids = cv2.connectedComponentsWithStats(cand, connectivity=8)
    ys, xs = np.nonzero(hand)
    cy, cx = ys.mean(), xs.mean()
    reach = float(np.percentile(np.hypot(ys - cy, xs - cx), 97)) or 1.0
    skin_only = ((hand == 1) & (cand == 0)).astype(np.float32)
    nails: list[tuple[np.ndarray, int]] = []
    for i in range(1, n):
        a = int(stats[i, cv2.CC_STAT_AREA])
        if not 0.001 < a / area < 0.05:
            continue
        if math.hypot(centroids[i][1] - cy, centroids[i][0] - cx) / reach < 0.55:
            continue
        x0, y0, w0, h0 = (int(v) for v in stats[i, :4])
        window = (slice(max(0, y0 - 3), y0 + h0 + 3), slice(max(0, x0 - 3), x0 + w0 + 3))
        blob = (labels[window] == i).astype(np.uint8)
        if _is_nail(blob, skin_only[window]):
            nails.append((lab[window][blob == 1].mean(axis=0), a))
    return HandFeatures(area / hand.size, len(nails), _matching(nails), n - 1, spread)


def _discount(f: HandFeatures) -> float:
    # Skin-coloured regions of mixed colour (food, wood, fur) and cluttered scenes are unlikely manicures.
    return 1.0 * max(0.0, f.spread - 9.5) + 0.3 * f.clutter


def manicure_logit(f: HandFeatures) -> float:
    """Logit of ``Manicure``: same-coloured nail blobs (about 70 at four), discounted for mixed skin and clutter."""
    return 1.2 * (f.matching_nails - 3) - _discount(f)


class ClassicalLabeler:
    tier = TIER

    def scores(self, img: Image.Image) -> dict[str, float]:
        return self.scores_from(hand_features(img))

    @staticmethod
    def scores_from(f: HandFeatures) -> dict[str, float]:
        if f.hand < 0.03:
            return {}
        discount = _discount(f)
        z = manicure_logit(f)
        hand = 100 * _sigmoid(-1.0 + 25 * min(f.hand, 0.2) - 0.35 * discount)
        out = {"Hand": hand, "Skin": 100 * _sigmoid(-2.0 + 30 * f.hand)}
        out["Manicure"] = min(100 * _sigmoid(z), hand + 10)
        out["Nail Polish"] = min(100 * _sigmoid(z - 0.3), hand + 10)
        if out["Manicure"] >= 50:
            out["Nail"] = out["Manicure"]
            out["Finger"] = out["Manicure"]
        return out
