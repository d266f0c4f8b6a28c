"""Compares the answers of two insights reports (HTML from `salon demo` / `salon insights --html`), e.g. a DuckDB
run and an OpenSearch run of the same scenario:

    .venv/bin/python -m salon.cli demo --report /tmp/duckdb.html
    .venv/bin/python -m salon.cli demo --search opensearch --report /tmp/opensearch.html
    .venv/bin/python bench/compare_reports.py /tmp/duckdb.html /tmp/opensearch.html

Two runs differ by construction in what the stack draws or stamps itself: design and comment ids (UUIDs made
server-side), the wall-clock time of this week's comments, and the offline sentiment model's float32 output in
the 8th digit. So the comparison drops the summaries (they quote design ids), compares the hot designs and the
escalations as sorted multisets of (designer, counts, scores) rather than by id, and floats to 1e-6. Both are
top-10 lists with ties broken by design id, so a tie at the cut is compared by its size, not by who made the
list. Everything else (customers, weekly series, leaderboard, satisfaction, sentiment) is compared as it is.
Exit status 1 and the differing paths when the answers differ.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from functions.domain.insights import InsightsRequest

TOP = cast(int, InsightsRequest.__dataclass_fields__["top"].default)  # the lists' length (hot designs, escalations)
DATA = re.compile(r'<script type="application/json" id="insights-data">(.*?)</script>', re.S)


def answers(path: Path) -> dict[str, Any]:
    found = DATA.search(path.read_text(encoding="utf-8"))
    if not found:
        raise SystemExit(f"{path}: no insights data (not a Salon Insights report?)")
    data: dict[str, Any] = json.loads(found.group(1).replace("<\\/", "</"))
    return data


def _round(value: Any) -> Any:
    return round(value, 6) if isinstance(value, float) else value


def canonical(data: dict[str, Any]) -> dict[str, Any]:
    data = json.loads(json.dumps(data), parse_float=lambda text: round(float(text), 6))
    for section in data.values():
        if isinstance(section, dict):
            section.pop("summary", None)
    hot = data["hotDesigns"]
    hot["designs"] = top_list(
        hot["designs"],
        "comments",
        lambda d: [d["designer"], d["comments"], d["scored"], d["positive"], _round(d["avgPositivity"])],
    )
    escalations = data["escalations"]
    escalations["byDesign"] = top_list(escalations["byDesign"], "count", lambda d: [d["designer"], d["count"]])
    escalations["recent"] = sorted([e["designer"], e["author"], _round(e["negative"])] for e in escalations["recent"])
    return data


def top_list(rows: list[dict[str, Any]], key: str, entry: Callable[[dict[str, Any]], list[Any]]) -> dict[str, Any]:
    """A top-N list (ranked by `key`, ties broken by design id) as what two runs must share: the entries ranked
    above the last one's `key`, as a sorted multiset, and the size of the tie at the cut. The ids are drawn anew
    in each run, so which of several designs tied at the cut made the list is chance, not an answer."""
    cut = rows[-1][key] if len(rows) >= TOP else None
    return {
        "above the cut": sorted(entry(row) for row in rows if cut is None or row[key] > cut),
        f"tied at the cut ({key})": [cut, sum(1 for row in rows if row[key] == cut)],
    }


def differences(a: Any, b: Any, path: str = "$") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for key in sorted(set(a) | set(b)) for d in differences(a.get(key), b.get(key), f"{path}.{key}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {json.dumps(a)[:160]} != {json.dumps(b)[:160]}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    args = parser.parse_args(argv)
    found = differences(canonical(answers(args.first)), canonical(answers(args.second)))
    for line in found:
        print(line)
    print(f"{len(found)} difference(s)" if found else "the answers are the same")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
