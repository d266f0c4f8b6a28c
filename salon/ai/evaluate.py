"""Measure the AI stand-ins against the evaluation data in ``../shared/data`` (see docs/ai-stand-ins.md).

``vision`` and ``text`` only need the VisionModels / TextModels methods, so the same code can
measure the in-process models or a client that goes through the local HTTP endpoint.

    python -m salon.ai.evaluate [--data-dir PATH] [--per-language N]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from salon.ai.metrics import balanced_accuracy, macro_f1, percentile

MANICURE_THRESHOLD = 70.0  # policy: "Manicure >= 70" accepts an upload
EXPLICIT_THRESHOLD = 80.0  # policy: "Explicit >= 80" quarantines an upload
BASELINE_LANGUAGES = ("en", "es", "de", "fr", "it", "pt", "ar", "ja", "ko", "zh")


def default_data_dir() -> Path:
    return Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


class _Timer:
    def __init__(self) -> None:
        self.ms: dict[str, list[float]] = defaultdict(list)

    def call(self, key: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        self.ms[key].append(1000 * (time.perf_counter() - t0))
        return out

    def summary(self) -> dict[str, dict[str, float]]:
        return {k: {"mean_ms": sum(v) / len(v), "p95_ms": percentile(v, 95), "n": len(v)} for k, v in self.ms.items()}


def _conf(labels: list[dict[str, Any]], name: str) -> float:
    return max((float(lab["Confidence"]) for lab in labels if lab["Name"] == name), default=0.0)


def evaluate_images(data_dir: Path, vision: Any, timer: _Timer) -> dict[str, Any]:
    rows = [json.loads(line) for line in (data_dir / "images" / "manifest.jsonl").read_text().splitlines() if line]
    gold, pred, flagged = [], [], 0
    by_sub: dict[str, list[bool]] = defaultdict(list)
    max_explicit = 0.0
    for row in rows:
        data = (data_dir / row["file"]).read_bytes()
        labels = timer.call("detect_labels", vision.detect_labels, data, min_confidence=0.0)
        mod = timer.call("detect_moderation_labels", vision.detect_moderation_labels, data, min_confidence=0.0)
        is_manicure = row["label"] == "manicure"
        said = _conf(labels, "Manicure") >= MANICURE_THRESHOLD
        gold.append(is_manicure)
        pred.append(said)
        by_sub[row["subcategory"]].append(said == is_manicure)
        explicit = max((float(m["Confidence"]) for m in mod if not m.get("ParentName")), default=0.0)
        max_explicit = max(max_explicit, explicit)
        flagged += explicit >= EXPLICIT_THRESHOLD  # every image in the set is benign
    return {
        "n_images": len(rows),
        "manicure_balanced_accuracy": balanced_accuracy(gold, pred),
        "manicure_recall": balanced_accuracy([True] * sum(gold), [p for g, p in zip(gold, pred, strict=True) if g]),
        "not_manicure_specificity": balanced_accuracy(
            [False] * (len(gold) - sum(gold)), [p for g, p in zip(gold, pred, strict=True) if not g]
        ),
        "accuracy_by_subcategory": {k: sum(v) / len(v) for k, v in sorted(by_sub.items())},
        "moderation_false_positive_rate": flagged / len(rows) if rows else 0.0,
        "moderation_max_benign_confidence": max_explicit,
    }


def _load_comments(data_dir: Path, per_language: int | None) -> dict[str, list[dict[str, Any]]]:
    out = {}
    for path in sorted((data_dir / "comments").glob("*.jsonl")):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
        out[path.stem] = rows[:per_language] if per_language else rows
    return out


def _vader_label(analyzer: Any, text: str) -> str:
    c = analyzer.polarity_scores(text)["compound"]
    return "positive" if c >= 0.05 else "negative" if c <= -0.05 else "neutral"


def evaluate_text(data_dir: Path, text_models: Any, timer: _Timer, per_language: int | None) -> dict[str, Any]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    lang_ok = lang_n = 0
    lang_by: dict[str, float] = {}
    f1, f1_vader = {}, {}
    for lang, rows in _load_comments(data_dir, per_language).items():
        # Romanised Hindi (SAIL 2015) is not a language-ID target: Comprehend expects Devanagari.
        romanised = [("romanised" in r.get("source", "").lower()) for r in rows]
        ok = n = 0
        gold, pred, base = [], [], []
        for row, skip in zip(rows, romanised, strict=True):
            if not skip:
                top = timer.call("detect_dominant_language", text_models.detect_dominant_language, row["text"])
                ok += bool(top) and top[0]["LanguageCode"] == lang
                n += 1
            res = timer.call("detect_sentiment", text_models.detect_sentiment, row["text"], lang)
            gold.append(row["label"])
            pred.append(res["Sentiment"].lower())
            base.append(_vader_label(vader, row["text"]))
        if n:
            lang_by[lang] = ok / n
        lang_ok, lang_n = lang_ok + ok, lang_n + n
        f1[lang], f1_vader[lang] = macro_f1(gold, pred), macro_f1(gold, base)
    core = [f1[k] for k in BASELINE_LANGUAGES if k in f1]
    return {
        "language_accuracy": lang_ok / lang_n if lang_n else 0.0,
        "language_accuracy_by_language": lang_by,
        "sentiment_macro_f1": f1,
        "vader_macro_f1": f1_vader,
        "sentiment_mean_macro_f1": sum(core) / len(core) if core else 0.0,
        "sentiment_beats_vader_everywhere": all(f1[k] > f1_vader[k] for k in BASELINE_LANGUAGES if k in f1),
    }


def evaluate(data_dir: str | Path, vision: Any, text: Any, *, per_language: int | None = None) -> dict[str, Any]:
    """All metrics of the goals table; ``per_language`` caps comments per language for quick runs."""
    data_dir = Path(data_dir)
    timer = _Timer()
    result: dict[str, Any] = {}
    if vision is not None:
        result.update(evaluate_images(data_dir, vision, timer))
        result["vision_tiers"] = vision.tiers()
    if text is not None:
        result.update(evaluate_text(data_dir, text, timer, per_language))
        result["text_tiers"] = text.tiers()
    result["latency"] = timer.summary()
    return result


def format_table(r: dict[str, Any]) -> str:
    lines = ["| Capability | Metric | Measured | Goal |", "|---|---|---|---|"]
    if "manicure_balanced_accuracy" in r:
        lines.append(
            f"| DetectLabels | balanced accuracy (Manicure >= 70) | {r['manicure_balanced_accuracy']:.3f} | >= 0.90 |"
        )
        lines.append(
            f"| DetectModerationLabels | FPR on benign (Explicit >= 80) | {r['moderation_false_positive_rate']:.3%}"
            " | <= 1% |"
        )
    if "language_accuracy" in r:
        lines.append(f"| DetectDominantLanguage | accuracy | {r['language_accuracy']:.3f} | >= 0.97 |")
        lines.append(
            f"| DetectSentiment | mean macro-F1 ({len(BASELINE_LANGUAGES)} langs) | "
            f"{r['sentiment_mean_macro_f1']:.3f} | >= 0.60, > VADER everywhere: "
            f"{r['sentiment_beats_vader_everywhere']} |"
        )
        lines += ["", "| lang | macro-F1 | VADER |", "|---|---|---|"]
        for lang, v in r["sentiment_macro_f1"].items():
            lines.append(f"| {lang} | {v:.3f} | {r['vader_macro_f1'][lang]:.3f} |")
    if "accuracy_by_subcategory" in r:
        lines += ["", "| image subcategory | accuracy |", "|---|---|"]
        lines += [f"| {k} | {v:.3f} |" for k, v in r["accuracy_by_subcategory"].items()]
    lines += ["", "| call | mean ms | p95 ms | n |", "|---|---|---|---|"]
    for k, v in r["latency"].items():
        lines.append(f"| {k} | {v['mean_ms']:.1f} | {v['p95_ms']:.1f} | {v['n']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from salon.ai import TextModels, VisionModels

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=default_data_dir())
    parser.add_argument("--per-language", type=int, default=None)
    parser.add_argument("--only", choices=["vision", "text"], default=None)
    parser.add_argument("--json", action="store_true", help="print the raw result as JSON")
    args = parser.parse_args(argv)
    if not (args.data_dir / "images" / "manifest.jsonl").exists():
        parser.error(f"evaluation data not found under {args.data_dir}")
    vision = VisionModels.load() if args.only != "text" else None
    text = TextModels.load() if args.only != "vision" else None
    result = evaluate(args.data_dir, vision, text, per_language=args.per_language)
    print(json.dumps(result, indent=2) if args.json else format_table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
