"""Classical label model (OpenCV + numpy): a hand from skin regions, polish from colour blobs at its tips.

Always available; knows a handful of labels. A hand is the largest skin-coloured region (YCrCb rule).
Polish evidence: compact blobs whose colour departs from the hand's own median skin colour (hue/chroma,
much darker, or lighter and tinted), lying near the hand and towards its extremities, where nails are.
Scenes with many such blobs everywhere, or whose skin-coloured region is not one uniform colour (food,
wood, fur), are discounted. Weights are hand-set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

TIER = "classical OpenCV pipeline (skin region + polish-coloured blobs at the hand's extremities; project code)"
_MAX_SIDE = 256


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


@dataclass(frozen=True)
class HandFeatures:
    hand: float  # hand (largest skin regions) area / image area
    tip_blobs: int  # off-skin colour blobs near the hand, towards its extremities
    near_blobs: int  # off-skin colour blobs anywhere near the hand (clutter)
    spread: float  # colour spread (a*, b* standard deviation) of the skin region; one hand's skin is uniform


def _rgb(img: Image.Image) -> np.ndarray:
    rgb: np.ndarray = np.asarray(img.convert("RGB"))
    h, w = rgb.shape[:2]
    s = _MAX_SIDE / max(h, w)
    if s < 1:
        rgb = cv2.resize(rgb, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(rgb)


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


def hand_features(img: Image.Image) -> HandFeatures:
    rgb = _rgb(img)
    hand = _hand_mask(rgb)
    area = int(hand.sum())
    if area == 0:
        return HandFeatures(0.0, 0, 0, 0.0)
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    lab[..., 0] *= 100 / 255
    lab[..., 1:] -= 128
    skin_px = lab[hand == 1]
    med = np.median(skin_px, axis=0)
    spread = float(np.sqrt(skin_px[:, 1].var() + skin_px[:, 2].var()))
    d_ab = np.hypot(lab[..., 1] - med[1], lab[..., 2] - med[2])
    d_l = lab[..., 0] - med[0]
    off_skin = (d_ab > 22) | (d_l < -30) | ((d_l > 20) & (d_ab > 6))
    k = max(3, round(0.02 * max(hand.shape)))
    region = cv2.dilate(hand, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    cand = (off_skin & (region == 1)).astype(np.uint8)
    n, _, stats, centroids = cv2.connectedComponentsWithStats(cand, connectivity=8)
    ys, xs = np.nonzero(hand)
    cy, cx = ys.mean(), xs.mean()
    reach = float(np.percentile(np.hypot(ys - cy, xs - cx), 97)) or 1.0
    tips = near = 0
    for i in range(1, n):
        rel = stats[i, cv2.CC_STAT_AREA] / area
        if not 0.0008 < rel < 0.05:
            continue
        dist = math.hypot(centroids[i][1] - cy, centroids[i][0] - cx) / reach
        near += dist >= 0.6
        tips += dist >= 0.75
    return HandFeatures(hand=area / hand.size, tip_blobs=tips, near_blobs=near, spread=spread)


class ClassicalLabeler:
    tier = TIER

    def scores(self, img: Image.Image) -> dict[str, float]:
        f = hand_features(img)
        if f.hand < 0.03:
            return {}
        # Cluttered scenes and skin-coloured regions of mixed colour (food, wood, fur) are unlikely hands.
        clutter = max(0, f.near_blobs - 14) + 3.0 * max(0.0, f.spread - 9.5)
        z = 0.9 * (f.tip_blobs - 4) - 0.3 * clutter
        manicure = 100 * _sigmoid(z)
        hand = 100 * _sigmoid(-1.0 + 25 * min(f.hand, 0.2) - 0.35 * clutter)
        out = {"Hand": hand, "Skin": 100 * _sigmoid(-2.0 + 30 * f.hand)}
        out["Manicure"] = min(manicure, hand + 10)
        out["Nail Polish"] = min(100 * _sigmoid(z - 0.3), hand + 10)
        if out["Manicure"] >= 50:
            out["Nail"] = out["Manicure"]
            out["Finger"] = out["Manicure"]
        return out
