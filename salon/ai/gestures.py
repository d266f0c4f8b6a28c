"""A narrow rude-gesture detector: the extended middle finger, read from MediaPipe's 21 hand landmarks.

Rekognition's moderation taxonomy (v7) has "Middle Finger" (level 2) under "Rude Gestures" (level 1). This
detector recognises that one pose and nothing else: the middle finger extended and straight while the index,
ring and little fingers are curled. The thumb is ignored (tucked over the fingers or out to the side).

Everything is read from the landmarks' image positions (``hands.Hand.xy``), so it does not depend on the
hand's rotation, size, side (left or right) or on whether the back or the palm faces the camera:

- *reach* of a finger: tip-to-wrist distance over knuckle(MCP)-to-wrist distance. An extended finger reaches
  about 1.8-2.0 times as far as its knuckle; a curled one about 0.6-1.1.
- *direction*: cosine between the finger (knuckle to tip) and the palm (wrist to knuckle); near 1 when the
  finger continues the palm.
- *bend*: the sum of the angles at the two finger joints (PIP, DIP); small for a straight finger.
- *lead*: how much farther the middle fingertip is from the wrist than any of the other three fingertips,
  in knuckle-to-wrist lengths.

Each criterion becomes a margin (how far it is on the right side of its limit, in units of a tolerance), and
the confidence is the logistic of the smallest margin: it grows with how clearly the weakest part of the pose
holds. The limits are round numbers from hand geometry (a bent or half-curled finger sits between them), not
fitted to any data set. The hand-presence score of the landmark model is one more criterion, so an uncertain
hand cannot give a confident gesture.

Only x and y are used: a finger pointing straight at the camera looks short, like a curled one. Hands are found
by palm detection only (``find_hands``); a hand without a palm box is never judged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from salon.ai import hands as hand_model
from salon.ai.images import rgb_array

WRIST = hand_model.WRIST
INDEX, MIDDLE, RING, PINKY = 1, 2, 3, 4  # positions in hand_model.FINGERS (0 is the thumb)
_MCP = {INDEX: 5, MIDDLE: 9, RING: 13, PINKY: 17}

# (limit, tolerance): margin = (value - limit) / tolerance, or (limit - value) / tolerance for upper limits.
EXTENDED_REACH = (1.5, 0.1)  # middle fingertip beyond 1.5 knuckle-to-wrist lengths
EXTENDED_DIRECTION = (0.75, 0.07)  # middle finger continues the palm (cosine)
STRAIGHT_BEND = (55.0, 10.0)  # middle finger: at most 55 degrees of bend at PIP + DIP
CURLED_REACH = (1.2, 0.08)  # index, ring and little fingertips within 1.2 knuckle-to-wrist lengths
LEAD = (0.45, 0.1)  # middle fingertip farther from the wrist than the others by 0.45 lengths
PRESENCE = (0.6, 0.05)  # the landmark model's hand presence
_SLOPE = 1.4  # logistic slope on the smallest margin: a margin of 1.6 gives 90, 2.5 gives 97

MIN_PRESENCE = 0.5  # MediaPipe's own hand-presence threshold: below it there is no hand
_PAD = 0.25  # as in hands.HandLandmarker.detect: hands cut by the border are found on a padded copy
MIN_PALM_FRACTION = 0.04  # wrist-to-middle-knuckle shorter than this share of the longer side: too small
_MAX_SIDE = 640  # images are read at most this large, as in the labels tier


@dataclass(frozen=True)
class GestureReading:
    """Measurements of one hand and the margins of each criterion (positive: the criterion holds)."""

    reach: dict[int, float]
    direction: float
    bend: float
    lead: float
    margins: dict[str, float]

    @property
    def confidence(self) -> float:
        """0-100: the logistic of the weakest criterion's margin."""
        z = min(self.margins.values())
        return 100.0 / (1.0 + math.exp(-max(-60.0, min(60.0, _SLOPE * z))))


def _angle(u: np.ndarray, v: np.ndarray) -> float:
    nu, nv = float(np.linalg.norm(u)), float(np.linalg.norm(v))
    if nu < 1e-6 or nv < 1e-6:
        return 0.0
    return math.degrees(math.acos(max(-1.0, min(1.0, float(u @ v) / (nu * nv)))))


def _above(value: float, spec: tuple[float, float]) -> float:
    return (value - spec[0]) / spec[1]


def _below(value: float, spec: tuple[float, float]) -> float:
    return (spec[0] - value) / spec[1]


def read_pose(xy: np.ndarray, presence: float = 1.0) -> GestureReading:
    """Measures the middle-finger pose on 21 landmark positions ([21, 2] or [21, 3]; only x and y are used)."""
    xy = np.asarray(xy, dtype=np.float64)[:, :2]
    wrist = xy[WRIST]
    reach: dict[int, float] = {}
    for f, mcp in _MCP.items():
        tip = hand_model.FINGERS[f][2]
        base = max(float(np.linalg.norm(xy[mcp] - wrist)), 1e-6)
        reach[f] = float(np.linalg.norm(xy[tip] - wrist)) / base
    mcp, (pip, dip, tip) = _MCP[MIDDLE], hand_model.FINGERS[MIDDLE]
    palm, finger = xy[mcp] - wrist, xy[tip] - xy[mcp]
    direction = float(palm @ finger) / max(float(np.linalg.norm(palm) * np.linalg.norm(finger)), 1e-9)
    bend = _angle(xy[pip] - xy[mcp], xy[dip] - xy[pip]) + _angle(xy[dip] - xy[pip], xy[tip] - xy[dip])
    base = max(float(np.linalg.norm(palm)), 1e-6)
    others = max(float(np.linalg.norm(xy[hand_model.FINGERS[f][2]] - wrist)) for f in (INDEX, RING, PINKY))
    lead = (float(np.linalg.norm(xy[tip] - wrist)) - others) / base
    margins = {
        "middle reach": _above(reach[MIDDLE], EXTENDED_REACH),
        "middle direction": _above(direction, EXTENDED_DIRECTION),
        "middle straight": _below(bend, STRAIGHT_BEND),
        "index curled": _below(reach[INDEX], CURLED_REACH),
        "ring curled": _below(reach[RING], CURLED_REACH),
        "little curled": _below(reach[PINKY], CURLED_REACH),
        "middle leads": _above(lead, LEAD),
        "hand presence": _above(presence, PRESENCE),
    }
    return GestureReading(reach, direction, bend, lead, margins)


def middle_finger_confidence(found: list[hand_model.Hand]) -> float:
    """The best middle-finger confidence (0-100) over the hands found; 0 without a hand."""
    return max((read_pose(h.xy, h.presence).confidence for h in found), default=0.0)


def find_hands(landmarker: hand_model.HandLandmarker, rgb: np.ndarray, max_hands: int = 2) -> list[hand_model.Hand]:
    """Hands found by palm detection (padded copy first, then the image itself), with their landmarks.

    Unlike ``HandLandmarker.detect`` (which keeps hands whose fingertips are long enough to read nails on), a
    hand is kept here when its palm is large enough: in a fist the curled fingertips are short by nature.
    There is no whole-image pass without a palm: a gesture is only claimed on a hand the palm detector found.
    """
    side = max(rgb.shape[:2])
    for pad in (round(_PAD * side), 0):
        img = landmarker.padded(rgb, pad)
        palms = landmarker.palms(img)
        if not palms:
            continue
        found = []
        for _, box, kps in palms[:max_hands]:
            xy, presence = landmarker.landmarks(img, landmarker.palm_region(box, kps))
            xy = xy - pad
            if presence >= MIN_PRESENCE and _palm_length(xy) >= MIN_PALM_FRACTION * side:
                found.append(hand_model.Hand(xy, presence, "palm"))
        return found
    return []


def _palm_length(xy: np.ndarray) -> float:
    return float(np.linalg.norm(xy[_MCP[MIDDLE]] - xy[WRIST]))


class GestureDetector:
    """Middle-finger confidence (0-100) of an image, from a MediaPipe hand landmarker."""

    def __init__(self, landmarker: hand_model.HandLandmarker) -> None:
        self._landmarker = landmarker
        self.tier = f"middle finger from the landmarks' joint angles and reach: {hand_model.describe(landmarker)}"

    def hands(self, img: Image.Image) -> list[hand_model.Hand]:
        return find_hands(self._landmarker, rgb_array(img, _MAX_SIDE))

    def middle_finger(self, img: Image.Image) -> float | None:
        """The confidence, or None when no hand was found (nothing to judge)."""
        found = self.hands(img)
        return middle_finger_confidence(found) if found else None


def load(directory: Path | None = None, landmarker: hand_model.HandLandmarker | None = None) -> GestureDetector:
    """On ``landmarker`` (the labels tier's, shared) or a landmarker of its own.

    Raises hands.HandModelUnavailable when the @mediapipe/hands package or LiteRT is missing."""
    return GestureDetector(landmarker or hand_model.load(directory))
