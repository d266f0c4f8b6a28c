"""Small metric helpers (no sklearn dependency)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def macro_f1(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str] | None = None) -> float:
    """Macro-averaged F1 over ``labels`` (default: the labels present in ``gold``)."""
    classes = sorted(set(gold)) if labels is None else list(labels)
    f1s = []
    for c in classes:
        tp = sum(g == c and p == c for g, p in zip(gold, pred, strict=True))
        fp = sum(g != c and p == c for g, p in zip(gold, pred, strict=True))
        fn = sum(g == c and p != c for g, p in zip(gold, pred, strict=True))
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return sum(f1s) / len(f1s) if f1s else 0.0


def balanced_accuracy(gold: Sequence[bool], pred: Sequence[bool]) -> float:
    pos = [p for g, p in zip(gold, pred, strict=True) if g]
    neg = [not p for g, p in zip(gold, pred, strict=True) if not g]
    rates = [sum(x) / len(x) for x in (pos, neg) if x]
    return sum(rates) / len(rates) if rates else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval (95 % by default) for a proportion of ``successes`` out of ``n``."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def reliability_bins(
    confidences: Sequence[float], outcomes: Sequence[bool], edges: Sequence[float] = (0.1, 0.3, 0.5, 0.7, 0.9, 1.0)
) -> dict[str, Any]:
    """Reliability diagram of probabilities ``confidences`` (0-1) against the ``outcomes`` they predict:
    per bin its count, mean confidence and observed frequency; plus the expected calibration error (ECE)."""
    bins: list[list[tuple[float, bool]]] = [[] for _ in edges]
    for c, o in zip(confidences, outcomes, strict=True):
        bins[next((i for i, hi in enumerate(edges) if c < hi), len(edges) - 1)].append((c, o))
    table, ece, lo, n = [], 0.0, 0.0, len(confidences)
    for hi, items in zip(edges, bins, strict=True):
        if items:
            conf = sum(c for c, _ in items) / len(items)
            hits = sum(o for _, o in items)
            ece += len(items) / n * abs(conf - hits / len(items))
            table.append({"range": [lo, hi], "n": len(items), "mean_confidence": conf, "observed": hits})
        lo = hi
    return {"bins": table, "ece": ece, "n": n}
