"""Measure the AI stand-ins against the evaluation data in ``../shared/data`` (see docs/ai-stand-ins.md).

``main`` (``make eval``) goes through the local AI endpoint with boto3, as the workflows do: it starts
``salon.local.ai_endpoint`` in-process on a free loopback port and calls it with the Rekognition and
Comprehend clients (images sent as ``Image.Bytes``). ``evaluate`` only needs the VisionModels /
TextModels methods, so it measures either those clients (``EndpointVision`` / ``EndpointText``) or the
in-process models (``--in-process``). Model-only latency is measured on a sample in-process as well.

    python -m salon.ai.evaluate [--data-dir PATH] [--per-language N] [--only vision|text] [--in-process]
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from salon.ai.metrics import balanced_accuracy, macro_f1, percentile, reliability_bins, wilson

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
        return {
            k: {"mean_ms": sum(v) / len(v), "median_ms": percentile(v, 50), "p95_ms": percentile(v, 95), "n": len(v)}
            for k, v in self.ms.items()
            if v
        }


def _conf(labels: list[dict[str, Any]], name: str) -> float:
    return max((float(lab["Confidence"]) for lab in labels if lab["Name"] == name), default=0.0)


# Sub-categories of the misses table, derived from the data set's own names (its manifest's ``subcategory``,
# else the file's path): the first group whose keyword occurs wins.
GROUPS = (
    ("nail art", ("nail_art", "nailart", "press_on", "presson")),
    ("painted nails", ("painted", "polish")),
    ("bare hands", ("bare", "hand")),
    ("food", ("food",)),
    ("text", ("text", "screenshot", "document")),
)


def group_of(row: dict[str, Any]) -> str:
    """painted nails, nail art, bare hands, food, text or other, from ``subcategory`` or the file path."""
    path = str(row.get("file", "")).lower()
    key = str(row.get("subcategory") or path).lower()
    found = next((name for name, words in GROUPS if any(w in key for w in words)), None)
    if found is None and "/manicure/" in f"/{path}":  # the positive class's folder: painted nails unless named
        return "painted nails"
    return found or "other"


def evaluate_images(data_dir: Path, vision: Any, timer: _Timer) -> dict[str, Any]:
    rows = [json.loads(line) for line in (data_dir / "images" / "manifest.jsonl").read_text().splitlines() if line]
    gold, pred, confs, flagged = [], [], [], 0
    by_sub: dict[str, list[bool]] = defaultdict(list)
    by_group: dict[str, dict[str, Any]] = defaultdict(lambda: {"n": 0, "misses": []})
    max_explicit = 0.0
    per_image: list[float] = []
    for row in rows:
        data = (data_dir / row["file"]).read_bytes()
        t0 = time.perf_counter()
        labels = timer.call("detect_labels", vision.detect_labels, data, min_confidence=0.0)
        mod = timer.call("detect_moderation_labels", vision.detect_moderation_labels, data, min_confidence=0.0)
        per_image.append(1000 * (time.perf_counter() - t0))
        is_manicure = row["label"] == "manicure"
        conf = _conf(labels, "Manicure")
        said = conf >= MANICURE_THRESHOLD
        gold.append(is_manicure)
        pred.append(said)
        confs.append(conf / 100)
        by_sub[row.get("subcategory", "")].append(said == is_manicure)
        group = by_group[group_of(row)]
        group["n"] += 1
        if said != is_manicure:
            group["misses"].append({"file": Path(row["file"]).name, "manicure": round(conf, 1)})
        explicit = max((float(m["Confidence"]) for m in mod if not m.get("ParentName")), default=0.0)
        max_explicit = max(max_explicit, explicit)
        flagged += explicit >= EXPLICIT_THRESHOLD  # every image in the set is benign
    positives = sum(gold)
    hits = sum(p for g, p in zip(gold, pred, strict=True) if g)
    rejections = sum(not p for g, p in zip(gold, pred, strict=True) if not g)
    timer.ms["per_image"] = per_image
    return {
        "n_images": len(rows),
        "manicure_balanced_accuracy": balanced_accuracy(gold, pred),
        "manicure_recall": hits / positives if positives else 0.0,
        "not_manicure_specificity": rejections / (len(gold) - positives) if len(gold) > positives else 0.0,
        "manicure_counts": {
            "hits": hits,
            "positives": positives,
            "rejections": rejections,
            "negatives": len(gold) - positives,
        },
        "accuracy_by_subcategory": {k: sum(v) / len(v) for k, v in sorted(by_sub.items())},
        "misses_by_group": {k: by_group[k] for k in [g for g, _ in GROUPS] + ["other"] if k in by_group},
        "manicure_reliability": reliability_bins(confs, gold),
        "moderation_false_positives": flagged,
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

    from salon.ai.sentiment_calibration import reliability

    vader = SentimentIntensityAnalyzer()
    scored: list[tuple[dict[str, float], str]] = []
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
            if lang in BASELINE_LANGUAGES:
                scored.append((res["SentimentScore"], row["label"]))
            base.append(_vader_label(vader, row["text"]))
        if n:
            lang_by[lang] = ok / n
        lang_ok, lang_n = lang_ok + ok, lang_n + n
        f1[lang], f1_vader[lang] = macro_f1(gold, pred), macro_f1(gold, base)
    core = [f1[k] for k in BASELINE_LANGUAGES if k in f1]
    return {
        "language_counts": {"correct": lang_ok, "n": lang_n},
        "language_accuracy": lang_ok / lang_n if lang_n else 0.0,
        "language_accuracy_by_language": lang_by,
        "sentiment_macro_f1": f1,
        "vader_macro_f1": f1_vader,
        "sentiment_mean_macro_f1": sum(core) / len(core) if core else 0.0,
        "sentiment_reliability": reliability(scored),
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


class EndpointVision:
    """VisionModels' methods, answered by a Rekognition client (boto3) pointed at the local endpoint."""

    def __init__(self, client: Any, tiers: dict[str, str]) -> None:
        self._client, self._tiers = client, tiers

    def detect_labels(self, image: bytes, min_confidence: float = 55.0) -> list[dict[str, Any]]:
        labels: list[dict[str, Any]] = self._client.detect_labels(Image={"Bytes": image}, MinConfidence=min_confidence)[
            "Labels"
        ]
        return labels

    def detect_moderation_labels(self, image: bytes, min_confidence: float = 50.0) -> list[dict[str, Any]]:
        labels: list[dict[str, Any]] = self._client.detect_moderation_labels(
            Image={"Bytes": image}, MinConfidence=min_confidence
        )["ModerationLabels"]
        return labels

    def tiers(self) -> dict[str, str]:
        return self._tiers


class EndpointText:
    """TextModels' methods, answered by a Comprehend client (boto3) pointed at the local endpoint."""

    def __init__(self, client: Any, tiers: dict[str, str]) -> None:
        self._client, self._tiers = client, tiers

    def detect_dominant_language(self, text: str) -> list[dict[str, Any]]:
        languages: list[dict[str, Any]] = self._client.detect_dominant_language(Text=text)["Languages"]
        return languages

    def detect_sentiment(self, text: str, language_code: str) -> dict[str, Any]:
        res = self._client.detect_sentiment(Text=text, LanguageCode=language_code)
        return {"Sentiment": res["Sentiment"], "SentimentScore": res["SentimentScore"]}

    def tiers(self) -> dict[str, str]:
        return self._tiers


def aws_client(service: str, endpoint_url: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )


# Model-only latency: every image of the split and a fifth of as many comments per language. A sample of 40 images
# moved the per-image median by +-10 ms between back-to-back runs on this 2-core machine (the goal is 80 ms).
MODEL_SAMPLE = 160


def model_latency(data_dir: Path, vision: Any, text: Any, sample: int = MODEL_SAMPLE) -> dict[str, dict[str, float]]:
    """Per-call latency of the in-process models on a sample (``sample`` images spread over the manifest, all of
    them when it has fewer, and ``sample // 4`` comments per language)."""
    timer = _Timer()
    if vision is not None:
        rows = [json.loads(x) for x in (data_dir / "images" / "manifest.jsonl").read_text().splitlines() if x]
        for row in rows[:: max(1, len(rows) // sample)][:sample]:
            data = (data_dir / row["file"]).read_bytes()
            t0 = time.perf_counter()
            timer.call("detect_labels", vision.detect_labels, data, min_confidence=0.0)
            timer.call("detect_moderation_labels", vision.detect_moderation_labels, data, min_confidence=0.0)
            timer.ms["per_image"].append(1000 * (time.perf_counter() - t0))
    if text is not None:
        for lang, comments in _load_comments(data_dir, sample // 4 or 1).items():
            for row in comments:
                timer.call("detect_dominant_language", text.detect_dominant_language, row["text"])
                timer.call("detect_sentiment", text.detect_sentiment, row["text"], lang)
    return timer.summary()


def evaluate_via_endpoint(
    data_dir: str | Path, *, only: str | None = None, per_language: int | None = None, model_sample: int = MODEL_SAMPLE
) -> dict[str, Any]:
    """``evaluate`` through the local AI endpoint (boto3 over HTTP), plus in-process model-only latency."""
    from salon.local.ai_endpoint import AiService, make_app
    from salon.local.httpserver import BackgroundServer

    data_dir = Path(data_dir)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access-log line per request otherwise
    service = AiService(lambda: None)  # images go as Image.Bytes, so no S3 client is needed
    server = BackgroundServer(make_app(service), "127.0.0.1", 0).start()
    try:
        vision = text = None
        if only != "text":
            vision = EndpointVision(aws_client("rekognition", server.url), service.vision.tiers())
        if only != "vision":
            text = EndpointText(aws_client("comprehend", server.url), service.text.tiers())
        result = evaluate(data_dir, vision, text, per_language=per_language)
        result["endpoint"] = server.url
        result["model_latency"] = model_latency(
            data_dir,
            service.vision if only != "text" else None,
            service.text if only != "vision" else None,
            model_sample,
        )
    finally:
        server.stop()
    return result


def _share(k: int, n: int) -> str:
    lo, hi = wilson(k, n)
    return f"{k}/{n} = {k / n if n else 0:.1%} [{lo:.1%}, {hi:.1%}]"


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _goal_rows(r: dict[str, Any]) -> list[str]:
    rows = []
    if "manicure_balanced_accuracy" in r:
        c = r["manicure_counts"]
        ba, rec = r["manicure_balanced_accuracy"], r["manicure_recall"]
        rows.append(
            f"| DetectLabels | balanced accuracy, manicure vs not (Manicure >= {MANICURE_THRESHOLD:.0f}) | {ba:.3f}; "
            f"recall {_share(c['hits'], c['positives'])}; specificity {_share(c['rejections'], c['negatives'])} "
            f"| >= 0.90, recall >= 0.85 | {_yes(ba >= 0.90 and rec >= 0.85)} |"
        )
        fp, n = r["moderation_false_positives"], r["n_images"]
        rows.append(
            f"| DetectModerationLabels | false positives on benign photos (Explicit >= {EXPLICIT_THRESHOLD:.0f}) | "
            f"{_share(fp, n)} | <= 1% | {_yes(fp <= 0.01 * n)} |"
        )
    if "language_accuracy" in r:
        c = r["language_counts"]
        rows.append(
            f"| DetectDominantLanguage | accuracy | {_share(c['correct'], c['n'])} | >= 0.97 | "
            f"{_yes(r['language_accuracy'] >= 0.97)} |"
        )
        f1, vader = r["sentiment_macro_f1"], r["vader_macro_f1"]
        above = sum(f1[k] > vader[k] for k in BASELINE_LANGUAGES if k in f1)
        core = sum(k in f1 for k in BASELINE_LANGUAGES)
        mean = r["sentiment_mean_macro_f1"]
        rows.append(
            f"| DetectSentiment | mean macro-F1, {core} languages | {mean:.3f}; above VADER in {above}/{core} | "
            f">= 0.62, above VADER in each | {_yes(mean >= 0.62 and above == core)} |"
        )
    lat, model = r.get("latency", {}), r.get("model_latency", {})
    parts, ok = [], True
    for key, goal, what in (("per_image", 80.0, "per image (both calls)"), ("detect_sentiment", 30.0, "per text")):
        if key in lat:
            med = model.get(key, lat[key])["median_ms"]
            ok &= med <= goal
            parts.append(f"{what} {med:.0f} ms (endpoint {lat[key]['median_ms']:.0f} ms)")
    if parts:
        rows.append(
            f"| latency | median, model only (through the endpoint) | {'; '.join(parts)} | <= 80 ms / <= 30 ms "
            f"| {_yes(ok)} |"
        )
    return rows


def format_table(r: dict[str, Any]) -> str:
    lines = ["| capability | metric | measured | goal | met |", "|---|---|---|---|---|", *_goal_rows(r)]
    lines.append("")
    lines.append("Shares are count/total = percentage [95 % Wilson interval].")
    if "language_accuracy" in r:
        lines += ["", "| lang | macro-F1 | VADER |", "|---|---|---|"]
        for lang, v in r["sentiment_macro_f1"].items():
            lines.append(f"| {lang} | {v:.3f} | {r['vader_macro_f1'][lang]:.3f} |")
    if "sentiment_reliability" in r:
        from salon.ai.sentiment_calibration import format_reliability

        lines += ["", "DetectSentiment top-score reliability (core languages):", ""]
        lines.append(format_reliability(r["sentiment_reliability"]))
    if "misses_by_group" in r:
        lines += ["", "DetectLabels misses by sub-category:", ""]
        lines += ["| sub-category | images | misses | accuracy | missed (file: Manicure confidence) |"]
        lines += ["|---|---|---|---|---|"]
        for name, g in r["misses_by_group"].items():
            n, misses = g["n"], g["misses"]
            shown = ", ".join(f"{m['file'][:28]}: {m['manicure']:.0f}" for m in misses[:6])
            more = f" and {len(misses) - 6} more" if len(misses) > 6 else ""
            lines.append(f"| {name} | {n} | {len(misses)} | {_share(n - len(misses), n)} | {shown}{more} |")
        rel = r["manicure_reliability"]
        lines += ["", f"Manicure confidence reliability (all {rel['n']} images; ECE {rel['ece']:.3f}):", ""]
        lines += ["| confidence | images | mean confidence | manicures | observed |", "|---|---|---|---|---|"]
        for b in rel["bins"]:
            lo, hi = b["range"]
            lines.append(
                f"| {lo:.0%}–{hi:.0%} | {b['n']} | {b['mean_confidence']:.0%} | {b['observed']} | "
                f"{_share(b['observed'], b['n'])} |"
            )
    if "accuracy_by_subcategory" in r:
        lines += ["", "| image subcategory (manifest) | accuracy |", "|---|---|"]
        lines += [f"| {k} | {v:.3f} |" for k, v in r["accuracy_by_subcategory"].items()]
    model = r.get("model_latency")
    where = "through the endpoint (boto3 + HTTP)" if "endpoint" in r else "in-process"
    lines += ["", f"Latency per item, {where}" + (" and model-only (in-process sample)" if model else "") + ":", ""]
    if model:
        lines += [
            "| call | median ms | mean ms | p95 ms | n | model-only median ms | mean ms | p95 ms | n |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
    else:
        lines += ["| call | median ms | mean ms | p95 ms | n |", "|---|---|---|---|---|"]
    for k, v in r["latency"].items():
        row = f"| {k} | {v['median_ms']:.1f} | {v['mean_ms']:.1f} | {v['p95_ms']:.1f} | {v['n']} |"
        if model and k in model:
            m = model[k]
            row += f" {m['median_ms']:.1f} | {m['mean_ms']:.1f} | {m['p95_ms']:.1f} | {m['n']} |"
        lines.append(row)
    for key in ("vision_tiers", "text_tiers"):
        lines += [f"- {k}: {v}" for k, v in r.get(key, {}).items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=default_data_dir())
    parser.add_argument("--per-language", type=int, default=None)
    parser.add_argument("--only", choices=["vision", "text"], default=None)
    parser.add_argument("--in-process", action="store_true", help="call the models directly, not the endpoint")
    parser.add_argument("--json", action="store_true", help="print the raw result as JSON")
    args = parser.parse_args(argv)
    if not (args.data_dir / "images" / "manifest.jsonl").exists():
        parser.error(f"evaluation data not found under {args.data_dir} (../shared/data next to the repository)")
    t0 = time.perf_counter()
    if args.in_process:
        from salon.ai import TextModels, VisionModels

        vision = VisionModels.load() if args.only != "text" else None
        text = TextModels.load() if args.only != "vision" else None
        result = evaluate(args.data_dir, vision, text, per_language=args.per_language)
    else:
        result = evaluate_via_endpoint(args.data_dir, only=args.only, per_language=args.per_language)
    result["runtime_s"] = time.perf_counter() - t0
    table = format_table(result) + f"\n\nTotal {result['runtime_s']:.0f} s"
    print(json.dumps(result, indent=2) if args.json else table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
