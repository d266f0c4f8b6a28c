"""bench/compare_reports.py: two runs' top-10 lists agree when only the ids' chance order at a tie differs."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("compare_reports", ROOT / "bench" / "compare_reports.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


compare = _module()


def _rows(*counts: tuple[str, int]) -> list[dict[str, Any]]:
    return [{"designer": designer, "count": count} for designer, count in counts]


def _top(rows: list[dict[str, Any]]) -> Any:
    return compare.top_list(rows, "count", lambda d: [d["designer"], d["count"]])


def test_who_made_the_list_at_a_tie_is_not_an_answer() -> None:
    above = [("amara", 3), ("dario", 2)]
    first = _rows(*above, *[("bea", 1)] * 8)
    second = _rows(*above, *[("chen", 1)] * 8)
    assert compare.differences(_top(first), _top(second)) == []


def test_a_difference_above_the_cut_or_in_the_tie_size_is_reported() -> None:
    base = _rows(("amara", 3), ("dario", 2), *[("bea", 1)] * 8)
    moved = _rows(("amara", 3), ("chen", 2), *[("bea", 1)] * 8)
    wider = _rows(("amara", 3), *[("bea", 1)] * 9)
    assert compare.differences(_top(base), _top(moved))
    assert compare.differences(_top(base), _top(wider))


def test_a_short_list_is_compared_whole() -> None:
    assert compare.TOP == 10
    assert compare.differences(_top(_rows(("amara", 1))), _top(_rows(("bea", 1))))
