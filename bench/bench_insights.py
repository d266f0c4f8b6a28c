"""Benchmark: the owner's six questions on the embedded index with 1,000,000 comments (target: each <= 0.5 s).

Not a test: it prints numbers. Comments are generated like the IndexComment state writes them (two years,
customers arriving over the weeks, 600 designs by 40 designers, five sentiments, 5 % unscored) and loaded
through the port's bulk path; then each question (the port's query plus the domain's assembly of the answer)
is timed: cold (first run after opening the index) and warm (median of --repeat runs), over all time and over
the last 13 weeks.

    .venv/bin/python bench/bench_insights.py [--comments 1000000] [--keep PATH] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from functions import names
from functions.domain import insights
from salon.embedded_index import EmbeddedIndex

START = datetime(2024, 1, 1, tzinfo=UTC)  # a Monday
WEEKS = 104
KINDS = np.array(["POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED", "UNSCORED"])
TARGET_S = 0.5


def documents(count: int, seed: int = 1, chunk: int = 50_000) -> Any:
    """Yields lists of (id, document), `chunk` at a time, shaped exactly like the IndexComment state's."""
    rng = np.random.default_rng(seed)
    customers = max(1000, count // 10)
    # customers arrive over the weeks (more later); each comment is by a customer already arrived
    arrival = np.sort(rng.power(2.0, customers) * WEEKS * 7 * 86_400)
    subs = [str(uuid.UUID(int=int(x), version=4)) for x in rng.integers(0, 2**62, customers)]
    designs = [str(uuid.UUID(int=int(x), version=4)) for x in rng.integers(0, 2**62, 600)]
    designers = [f"designer{i:02d}" for i in range(40)]
    quality = rng.uniform(0.35, 0.9, len(designers))
    end = WEEKS * 7 * 86_400
    made = 0
    while made < count:
        n = min(chunk, count - made)
        who = rng.integers(0, customers, n)
        when = arrival[who] + rng.random(n) * (end - arrival[who])
        design = rng.integers(0, len(designs), n)
        designer = design % len(designers)
        positive = np.clip(rng.normal(quality[designer], 0.2), 0.01, 0.98)
        negative = np.clip((1 - positive) * rng.uniform(0.3, 1.0, n), 0.0, 0.99)
        kind = np.where(positive >= 0.6, 0, np.where(negative >= 0.5, 1, np.where(positive >= 0.4, 2, 3)))
        kind = np.where(rng.random(n) < 0.05, 4, kind)
        batch = []
        for i in range(n):
            sentiment = str(KINDS[kind[i]])
            scored = sentiment != "UNSCORED"
            p, q = round(float(positive[i]), 4), round(float(negative[i]), 4)
            moment = START + timedelta(seconds=float(when[i]))
            comment_id = f"{made + i:08d}-bench"
            batch.append(
                (
                    comment_id,
                    {
                        "commentId": comment_id,
                        "designId": designs[design[i]],
                        "designer": designers[designer[i]],
                        "author": f"customer{who[i]}",
                        "authorSub": subs[who[i]],
                        "language": "en" if scored else "nl",
                        "sentiment": sentiment,
                        "scores": {
                            "Positive": p,
                            "Negative": q,
                            "Neutral": round(max(0.0, 1 - p - q) * 0.7, 4),
                            "Mixed": round(max(0.0, 1 - p - q) * 0.3, 4),
                        }
                        if scored
                        else {},
                        "positive": p if scored else 0,
                        "scored": int(scored),
                        "submittedAt": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                        "analyzedAt": (moment + timedelta(seconds=2))
                        .isoformat(timespec="milliseconds")
                        .replace("+00:00", "Z"),
                    },
                )
            )
        made += n
        yield batch


def load(path: Path, count: int) -> dict[str, Any]:
    index = EmbeddedIndex(path)
    started, generating = time.perf_counter(), 0.0
    for batch_started, batch in _timed(documents(count)):
        generating += batch_started
        result = index.bulk(names.COMMENTS_INDEX, batch)
        if result.failed:
            raise SystemExit(f"{len(result.failed)} documents failed: {result.failed[:3]}")
        print(f"\r  loaded {index.count(names.COMMENTS_INDEX):>9,} comments", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    total = time.perf_counter() - started
    index._db().execute("CHECKPOINT")
    return {
        "comments": index.count(names.COMMENTS_INDEX),
        "seconds": round(total, 1),
        "generate_seconds": round(generating, 1),
        "bulk_seconds": round(total - generating, 1),
        "file_mb": round(os.path.getsize(path) / 1e6, 1),
    }


def _timed(batches: Any) -> Any:
    while True:
        started = time.perf_counter()
        try:
            batch = next(batches)
        except StopIteration:
            return
        yield time.perf_counter() - started, batch


def time_questions(path: Path, period: insights.Period, repeat: int) -> dict[str, dict[str, float]]:
    index = EmbeddedIndex(path, read_only=True)  # a fresh handle: the first run is cold
    request = insights.InsightsRequest(rule=insights.EscalationRule(0.75), period=period)
    timings: dict[str, dict[str, float]] = {}
    started = time.perf_counter()
    weeks = insights.weeks_of(index, period)
    timings["(week span)"] = {"cold": time.perf_counter() - started}
    for name, question in insights.ANSWERS.items():
        runs = []
        for _ in range(repeat + 1):
            started = time.perf_counter()
            question(index, request, weeks)
            runs.append(time.perf_counter() - started)
        timings[name] = {"cold": runs[0], "warm": statistics.median(runs[1:])}
    started = time.perf_counter()
    insights.answer(index, request)
    timings["(all six, warm)"] = {"warm": time.perf_counter() - started}
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="keep the index file here (reused if it exists)")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "bench.duckdb"
        loading = None
        if not path.exists():
            print(f"loading {args.comments:,} comments through SearchIndex.bulk ...", file=sys.stderr)
            loading = load(path, args.comments)
        periods = {
            "all time": insights.Period(),
            "last 13 weeks": insights.Period(START + timedelta(weeks=WEEKS - 13), None),
        }
        results = {name: time_questions(path, period, args.repeat) for name, period in periods.items()}

    machine = {"cpus": os.cpu_count(), "python": sys.version.split()[0], "duckdb": _duckdb_version()}
    if args.json:
        print(
            json.dumps(
                {
                    "load": loading,
                    "machine": machine,
                    "target_s": TARGET_S,
                    "questions": {
                        p: {q: {k: round(v, 4) for k, v in t.items()} for q, t in r.items()} for p, r in results.items()
                    },
                },
                indent=2,
            )
        )
        return
    if loading:
        print(
            f"load: {loading['comments']:,} comments in {loading['seconds']} s (generating "
            f"{loading['generate_seconds']} s, bulk {loading['bulk_seconds']} s), file {loading['file_mb']} MB"
        )
    print(f"machine: {machine}")
    for period, timings in results.items():
        print(f"\n{period}:")
        print(f"  {'question':<18} {'cold s':>8} {'warm s':>8}   target <= {TARGET_S} s")
        for question, t in timings.items():
            worst = max(t.values())
            cold = f"{t['cold']:.3f}" if "cold" in t else ""
            warm = f"{t['warm']:.3f}" if "warm" in t else ""
            flag = "ok" if worst <= TARGET_S or question.startswith("(all") else "SLOW"
            print(f"  {question:<18} {cold:>8} {warm:>8}   {flag}")


def _duckdb_version() -> str:
    import duckdb

    return str(duckdb.__version__)


if __name__ == "__main__":
    main()
