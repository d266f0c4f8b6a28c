"""Does a sentiment score mean what it says? Reliability of DetectSentiment's top score.

Predictions are bucketed by their top score; a calibrated model is right about as often as it claims
(bucket 0.8-0.9: about 85 % correct). Also reports the expected calibration error (ECE), the negative
log-likelihood of the gold label, and how precise the comment workflow's escalation rule
(``Negative >= 0.75``) is.

    python -m salon.ai.sentiment_calibration [--data-dir PATH] [--per-language N] [--no-head]
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from salon.ai.evaluate import BASELINE_LANGUAGES, default_data_dir

EDGES = (0.25, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
ESCALATION = 0.75  # the comment workflow escalates when Negative >= 0.75


def reliability(scored: Iterable[tuple[dict[str, float], str]], edges: Sequence[float] = EDGES) -> dict[str, Any]:
    """Buckets of (scores, gold label): count, mean top score and accuracy; plus ECE, NLL and escalations."""
    rows = list(scored)
    buckets: list[list[tuple[float, bool]]] = [[] for _ in edges]
    nll = 0.0
    escalated = escalated_negative = 0
    for scores, gold in rows:
        best = max(scores, key=lambda k: scores[k])
        conf = scores[best]
        index = next((i for i, hi in enumerate(edges) if conf < hi), len(edges) - 1)
        buckets[index].append((conf, best.lower() == gold.lower()))
        nll -= math.log(max(scores.get(gold.capitalize(), 0.0), 1e-12))
        if scores.get("Negative", 0.0) >= ESCALATION:
            escalated += 1
            escalated_negative += gold.lower() == "negative"
    table = []
    ece = 0.0
    lo = 0.0
    for hi, items in zip(edges, buckets, strict=True):
        if items:
            conf = sum(c for c, _ in items) / len(items)
            acc = sum(ok for _, ok in items) / len(items)
            ece += len(items) / len(rows) * abs(conf - acc)
            table.append({"range": [lo, hi], "n": len(items), "mean_top_score": conf, "accuracy": acc})
        lo = hi
    return {
        "n": len(rows),
        "buckets": table,
        "ece": ece,
        "nll": nll / len(rows) if rows else 0.0,
        "escalations": escalated,
        "escalation_precision": escalated_negative / escalated if escalated else 0.0,
    }


def format_reliability(r: dict[str, Any]) -> str:
    lines = ["| top score | n | mean top score | accuracy |", "|---|---|---|---|"]
    for b in r["buckets"]:
        lo, hi = b["range"]
        lines.append(f"| {lo:.2f}–{hi:.2f} | {b['n']} | {b['mean_top_score']:.3f} | {b['accuracy']:.3f} |")
    lines.append("")
    lines.append(f"ECE {r['ece']:.3f}, NLL {r['nll']:.3f} over {r['n']} comments")
    lines.append(
        f"Negative >= {ESCALATION}: {r['escalations']} escalations, {r['escalation_precision']:.1%} of them negative"
    )
    return "\n".join(lines)


def measure(data_dir: Path, text: Any, per_language: int | None = None) -> dict[str, Any]:
    """Reliability of ``text.detect_sentiment`` over the comments of the core languages in ``data_dir``."""
    scored = []
    for lang in BASELINE_LANGUAGES:
        path = data_dir / "comments" / f"{lang}.jsonl"
        if not path.exists():
            continue
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
        for row in rows[:per_language] if per_language else rows:
            scored.append((text.detect_sentiment(row["text"], lang)["SentimentScore"], row["label"]))
    return reliability(scored)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=default_data_dir())
    parser.add_argument("--per-language", type=int, default=None)
    parser.add_argument("--no-head", action="store_true", help="lexicons only (the tier without the encoder)")
    args = parser.parse_args(argv)
    if not (args.data_dir / "comments").exists():
        parser.error(f"no comments under {args.data_dir}")
    from salon.ai.sentiment_lexicon import LexiconSentiment
    from salon.ai.text import TextModels

    text = TextModels.load()
    if args.no_head:
        text = TextModels(text._language, LexiconSentiment(use_head=False))
    print(format_reliability(measure(args.data_dir, text, args.per_language)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
