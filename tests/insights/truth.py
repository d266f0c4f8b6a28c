"""Ground truth for the six questions, computed in plain Python from a scenario's documents.

Deliberately independent of functions/domain/insights.py and of every adapter: its own week arithmetic,
its own grouping and sorting, numpy for the least-squares slopes. It returns the insights document shape
(schemas/insights.schema.json) without the `summary` strings.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np

KINDS = ("POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED", "UNSCORED")


def _when(doc: dict[str, Any]) -> datetime:
    return datetime.strptime(doc["submittedAt"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def _monday(moment: datetime) -> date:
    day = moment.date()
    return day - timedelta(days=day.isoweekday() - 1)


def _label(monday: date) -> dict[str, str]:
    year, week, _ = monday.isocalendar()
    return {"week": monday.isoformat(), "isoWeek": f"{year}-W{week:02d}"}


def _mean(values: list[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def _slope(ys: list[tuple[int, float]]) -> float | None:
    if len({x for x, _ in ys}) < 2:
        return None
    return float(np.polyfit([x for x, _ in ys], [y for _, y in ys], 1)[0])


def truth(
    docs: list[dict[str, Any]],
    since: datetime | None = None,
    before: datetime | None = None,
    min_negative: float = 0.75,
    min_comments: int = 5,
    top: int = 10,
    recent: int = 20,
) -> dict[str, Any]:
    def inside(d: dict[str, Any]) -> bool:
        return (since is None or _when(d) >= since) and (before is None or _when(d) < before)

    chosen = [d for d in docs if inside(d)]
    weeks: list[date] = []
    if chosen:
        week, last = _monday(min(_when(d) for d in chosen)), _monday(max(_when(d) for d in chosen))
        while week <= last:
            weeks.append(week)
            week += timedelta(days=7)
    by_week: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for d in chosen:
        by_week[_monday(_when(d))].append(d)

    # customers: first comment ever (up to the period's end) per authorSub
    first: dict[str, datetime] = {}
    for d in docs:
        if before is None or _when(d) < before:
            first[d["authorSub"]] = min(first.get(d["authorSub"], _when(d)), _when(d))
    earlier = sum(1 for f in first.values() if since is not None and f < since)
    arrivals = Counter(_monday(f) for f in first.values() if since is None or f >= since)
    running, customer_weeks = earlier, []
    for w in weeks:
        running += arrivals.get(w, 0)
        customer_weeks.append(
            {
                **_label(w),
                "new": arrivals.get(w, 0),
                "cumulative": running,
                "active": len({d["authorSub"] for d in by_week[w]}),
            }
        )
    new_total = sum(arrivals.values())

    # escalations
    escalated = [d for d in chosen if d["sentiment"] == "NEGATIVE" and d["scores"].get("Negative", 0) >= min_negative]
    per_design = Counter(d["designId"] for d in escalated)
    designer_of = {d["designId"]: d["designer"] for d in docs}
    newest = sorted(escalated, key=lambda d: (_when(d), d["commentId"]), reverse=True)[:recent]

    # designs and designers
    def stats(group: list[dict[str, Any]]) -> tuple[int, int, float | None]:
        scored = [d["positive"] for d in group if d["scored"] == 1]
        return len(group), len(scored), _mean(scored)

    designs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    designers: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for d in chosen:
        designs[d["designId"]].append(d)
        designers[d["designer"]].append(d)
    hot = sorted(designs, key=lambda k: (-len(designs[k]), k))[:top]
    board = []
    for name, group in designers.items():
        n, k, avg = stats(group)
        board.append({"designer": name, "comments": n, "scored": k, "avgPositivity": avg})
    leaders = sorted(
        [b for b in board if b["scored"] >= min_comments],
        key=lambda b: (-b["avgPositivity"], -b["scored"], b["designer"]),
    )
    below = sorted(
        [b for b in board if b["scored"] < min_comments], key=lambda b: (-b["scored"], -b["comments"], b["designer"])
    )

    # satisfaction
    trend = []
    for w in weeks:
        scored = [d["positive"] for d in by_week[w] if d["scored"] == 1]
        trend.append({**_label(w), "scored": len(scored), "avgPositivity": _mean(scored)})
    all_scored = [d["positive"] for d in chosen if d["scored"] == 1]
    points = [(i, t["avgPositivity"]) for i, t in enumerate(trend) if t["avgPositivity"] is not None]
    slope = _slope(points)
    lowest = min(
        (t for t in trend if t["avgPositivity"] is not None),
        key=lambda t: (t["avgPositivity"], t["week"]),
        default=None,
    )
    direction = None if slope is None else "flat" if abs(slope) < 0.005 else "up" if slope > 0 else "down"

    # sentiment
    sentiment_weeks = [
        {**_label(w), "counts": {k: sum(1 for d in by_week[w] if d["sentiment"] == k) for k in KINDS}} for w in weeks
    ]
    return {
        "period": {
            "since": since.isoformat().replace("+00:00", "Z") if since else None,
            "before": before.isoformat().replace("+00:00", "Z") if before else None,
        },
        "customers": {
            "growing": new_total > 0,
            "newInPeriod": new_total,
            "before": earlier,
            "total": earlier + new_total,
            "newPerWeekSlope": _slope([(i, w["new"]) for i, w in enumerate(customer_weeks)]),
            "weeks": customer_weeks,
        },
        "escalations": {
            "rule": {"sentiment": "NEGATIVE", "minNegative": min_negative},
            "total": len(escalated),
            "weeks": [{**_label(w), "count": sum(1 for d in escalated if _monday(_when(d)) == w)} for w in weeks],
            "byDesign": [
                {"designId": k, "designer": designer_of[k], "count": n}
                for k, n in sorted(per_design.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
            ],
            "recent": [
                {
                    "commentId": d["commentId"],
                    "designId": d["designId"],
                    "designer": d["designer"],
                    "author": d["author"],
                    "submittedAt": d["submittedAt"],
                    "negative": d["scores"]["Negative"],
                }
                for d in newest
            ],
        },
        "hotDesigns": {
            "designs": [
                {
                    "designId": k,
                    "designer": designer_of[k],
                    "comments": len(designs[k]),
                    "scored": stats(designs[k])[1],
                    "positive": sum(1 for d in designs[k] if d["sentiment"] == "POSITIVE"),
                    "avgPositivity": stats(designs[k])[2],
                }
                for k in hot
            ]
        },
        "designers": {"minComments": min_comments, "leaders": leaders, "belowMinimum": below},
        "satisfaction": {
            "overall": _mean(all_scored),
            "slopePerWeek": slope,
            "direction": direction,
            "lowestWeek": lowest["week"] if lowest else None,
            "weeks": trend,
        },
        "sentiment": {
            "total": len(chosen),
            "overall": {k: sum(1 for d in chosen if d["sentiment"] == k) for k in KINDS},
            "weeks": sentiment_weeks,
        },
    }


def without_summaries(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_summaries(v) for k, v in value.items() if k != "summary"}
    if isinstance(value, list):
        return [without_summaries(v) for v in value]
    return value


def assert_same(actual: Any, expected: Any, path: str = "$") -> None:
    """Equal, with floats compared to 1e-9 (engines sum in different orders)."""
    if isinstance(expected, float) or isinstance(actual, float):
        assert actual is not None and expected is not None, f"{path}: {actual!r} != {expected!r}"
        assert math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-12), f"{path}: {actual!r} != {expected!r}"
    elif isinstance(expected, dict):
        assert isinstance(actual, dict) and set(actual) == set(expected), (
            f"{path}: keys {sorted(actual) if isinstance(actual, dict) else actual!r} != {sorted(expected)}"
        )
        for key in expected:
            assert_same(actual[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), (
            f"{path}: {len(actual) if isinstance(actual, list) else actual!r} items != {len(expected)}"
        )
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_same(a, e, f"{path}[{i}]")
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"
