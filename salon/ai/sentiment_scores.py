"""Turning positive / negative evidence into Comprehend-style sentiment scores."""

from __future__ import annotations

import math
from typing import Any

CLASSES = ("Positive", "Negative", "Neutral", "Mixed")


def softmax(logits: dict[str, float]) -> dict[str, float]:
    top = max(logits.values())
    exps = {k: math.exp(v - top) for k, v in logits.items()}
    total = sum(exps.values())
    return {k: exps[k] / total for k in CLASSES}


def from_evidence(pos: float, neg: float, neutral_bias: float = 1.0, mixed_bias: float = -6.0) -> dict[str, float]:
    """Scores for non-negative positive/negative evidence (roughly: lexicon hits weighted by strength)."""
    return softmax(
        {
            "Positive": 2.0 * (pos - neg),
            "Negative": 2.0 * (neg - pos),
            "Neutral": neutral_bias - 0.5 * (pos + neg),
            "Mixed": mixed_bias + 1.5 * min(pos, neg),
        }
    )


def result(scores: dict[str, float]) -> dict[str, Any]:
    """Comprehend DetectSentiment response body from four scores (renormalised to sum to 1)."""
    total = sum(max(0.0, scores[k]) for k in CLASSES) or 1.0
    norm = {k: max(0.0, scores[k]) / total for k in CLASSES}
    best = max(CLASSES, key=lambda k: norm[k])
    return {"Sentiment": best.upper(), "SentimentScore": norm}
