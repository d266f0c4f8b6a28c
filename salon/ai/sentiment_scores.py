"""Turning sentiment evidence into Comprehend-style scores that mean something.

Two sources of evidence are combined as a product of experts, then softened by one temperature:

- lexicon evidence: non-negative positive / negative sums on VADER's valence scale. Only the logarithm of
  each sum counts (``log1p``), so ten weak hits do not outvote the sentence, and no evidence at all leaves
  Neutral as the most likely class;
- optionally, the four class probabilities of the sentence-embedding head (``sentiment_head.py``).

The constants are round numbers. The two temperatures were chosen from a coarse grid (0.75, 1, 1.25, 1.5, 2) so
that the top score tracks the fraction of correct labels (``python -m salon.ai.sentiment_calibration`` prints
the reliability table; see docs/ai-stand-ins.md): a comment scored Negative 0.8 is negative about four times
in five, not "certainly" negative. They change confidences only, never the predicted label.
"""

from __future__ import annotations

import math
from typing import Any

CLASSES = ("Positive", "Negative", "Neutral", "Mixed")

NEUTRAL_BIAS = 0.5  # log-odds of Neutral when there is no lexicon evidence at all
MIXED_BIAS = -3.0  # Mixed needs clear evidence on both sides
CROSS = 0.5  # how much evidence for one polarity counts against the other
TEMPERATURE = 1.5  # lexicons + head: two experts multiplied are over-confident, so soften
TEMPERATURE_LEXICONS_ONLY = 1.0


def softmax(logits: dict[str, float], temperature: float = 1.0) -> dict[str, float]:
    top = max(logits.values())
    exps = {k: math.exp((v - top) / temperature) for k, v in logits.items()}
    total = sum(exps.values())
    return {k: exps[k] / total for k in CLASSES}


def lexicon_logits(pos: float, neg: float) -> dict[str, float]:
    """Log-odds of the four classes from non-negative positive / negative lexicon evidence."""
    p, n = math.log1p(max(0.0, pos)), math.log1p(max(0.0, neg))
    return {
        "Positive": p - CROSS * n,
        "Negative": n - CROSS * p,
        "Neutral": NEUTRAL_BIAS,
        "Mixed": MIXED_BIAS + 2.0 * min(p, n),
    }


def combine(
    pos: float, neg: float, head: dict[str, float] | None = None, temperature: float | None = None
) -> dict[str, float]:
    """Calibrated scores from lexicon evidence and, when given, the head's class probabilities."""
    logits = lexicon_logits(pos, neg)
    if head is not None:
        logits = {k: v + math.log(max(head[k], 1e-6)) for k, v in logits.items()}
    if temperature is None:
        temperature = TEMPERATURE if head is not None else TEMPERATURE_LEXICONS_ONLY
    return softmax(logits, temperature)


def from_evidence(pos: float, neg: float) -> dict[str, float]:
    """Scores from lexicon evidence alone (the tier without the sentence encoder)."""
    return combine(pos, neg, None)


def result(scores: dict[str, float]) -> dict[str, Any]:
    """Comprehend DetectSentiment response body from four scores (renormalised to sum to 1)."""
    total = sum(max(0.0, scores[k]) for k in CLASSES) or 1.0
    norm = {k: max(0.0, scores[k]) / total for k in CLASSES}
    best = max(CLASSES, key=lambda k: norm[k])
    return {"Sentiment": best.upper(), "SentimentScore": norm}
