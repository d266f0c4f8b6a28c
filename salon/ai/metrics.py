"""Small metric helpers (no sklearn dependency)."""

from __future__ import annotations

from collections.abc import Sequence


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
