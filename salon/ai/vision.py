"""VisionModels: the Rekognition DetectLabels / DetectModerationLabels stand-in."""

from __future__ import annotations

from typing import Any

from salon.ai import labels_clip, labels_hands
from salon.ai.images import decode
from salon.ai.moderation import NsfwModerator
from salon.ai.taxonomy import expand
from salon.ai.tiers import choose


class VisionModels:
    def __init__(self, labeler: Any, moderator: NsfwModerator) -> None:
        self._labeler = labeler
        self._moderator = moderator

    @classmethod
    def load(cls) -> VisionModels:
        """Labels from CLIP when ``SALON_CLIP_MODEL_DIR`` holds usable weights, else the hand-landmark tier
        (``@mediapipe/hands`` from node_modules on LiteRT), else the classical tier."""
        labeler = choose(labels_clip.ENV_VAR, labels_clip.load, labels_hands.load_default)
        # The gesture detector shares the hand tier's landmarker: a photo's two calls then run its models once.
        return cls(labeler, NsfwModerator(getattr(labeler, "landmarker", None)))

    def detect_labels(
        self, image: bytes, max_labels: int | None = None, min_confidence: float = 55.0
    ) -> list[dict[str, Any]]:
        img = decode(image)
        return expand(self._labeler.scores(img), min_confidence, max_labels)

    def detect_moderation_labels(self, image: bytes, min_confidence: float = 50.0) -> list[dict[str, Any]]:
        return self._moderator.labels(decode(image), min_confidence)

    def tiers(self) -> dict[str, str]:
        return {"labels": self._labeler.tier, "moderation": self._moderator.tier}
