"""The OpenSearch Dashboards saved objects (dashboards/salon-insights.ndjson): valid import format, consistent
references, fields that exist in the comments mapping, and generated from the code (no drift)."""

from __future__ import annotations

import json

import pytest

from dashboards import build
from functions.config import default_comment_policy

LEGACY_TYPES = {"line", "histogram", "horizontal_bar", "pie", "table", "metric"}


@pytest.fixture(scope="module")
def objects() -> list[dict]:
    lines = build.OUT.read_text(encoding="utf-8").splitlines()
    assert lines and all(line.strip() for line in lines), "one object per line, no blank lines"
    return [json.loads(line) for line in lines]


def test_the_file_is_what_the_generator_writes():
    assert build.main(["--check"]) == 0, "run: python -m dashboards.build"


def test_every_line_is_a_saved_object_and_ids_are_unique(objects):
    for obj in objects:
        assert isinstance(obj, dict) and {"id", "type", "attributes", "references", "migrationVersion"} <= set(obj)
        assert obj["type"] in {"index-pattern", "visualization", "search", "dashboard"}
        assert obj["attributes"]["title"]
    assert len({(o["type"], o["id"]) for o in objects}) == len(objects)
    assert [o["type"] for o in objects].count("dashboard") == 1


def test_references_resolve_to_earlier_objects(objects):
    seen: set[tuple[str, str]] = set()
    for obj in objects:
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in seen, f"{obj['id']} refers to {ref} before it is defined"
        seen.add((obj["type"], obj["id"]))
    for obj in objects:
        source = obj["attributes"].get("kibanaSavedObjectMeta", {}).get("searchSourceJSON")
        if source and "indexRefName" in json.loads(source):
            assert json.loads(source)["indexRefName"] in {r["name"] for r in obj["references"]}


def test_visualizations_aggregate_fields_the_index_pattern_has(objects):
    pattern = next(o for o in objects if o["type"] == "index-pattern")
    fields = {f["name"]: f for f in json.loads(pattern["attributes"]["fields"])}
    assert pattern["attributes"]["timeFieldName"] == "submittedAt" and fields["submittedAt"]["type"] == "date"
    for vis in (o for o in objects if o["type"] == "visualization"):
        state = json.loads(vis["attributes"]["visState"])
        assert state["type"] in LEGACY_TYPES and state["title"] == vis["attributes"]["title"]
        assert [a for a in state["aggs"] if a["schema"] == "metric"], vis["id"]
        for agg in state["aggs"]:
            field = agg["params"].get("field")
            if field:
                assert field in fields and fields[field]["aggregatable"], f"{vis['id']}: {field}"
            if agg["type"] == "date_histogram":
                assert field == "submittedAt" and agg["params"]["interval"] == "w"


def test_the_dashboard_places_every_panel_on_the_grid(objects):
    dashboard = next(o for o in objects if o["type"] == "dashboard")
    panels = json.loads(dashboard["attributes"]["panelsJSON"])
    names_ = {r["name"] for r in dashboard["references"]}
    assert {p["panelRefName"] for p in panels} == names_ and len(panels) == len(objects) - 2
    for panel in panels:
        grid = panel["gridData"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 48 and grid["h"] > 0
    json.loads(dashboard["attributes"]["optionsJSON"])


def test_escalations_use_the_comment_policy(objects):
    expected = build.escalation_query(default_comment_policy().min_negative)
    search = next(o for o in objects if o["id"] == "salon-escalated-comments")
    assert json.loads(search["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])["query"]["query"] == expected
    assert "sentiment:NEGATIVE and scores.Negative >= 0.9" in build.ndjson(build.build(min_negative=0.9))
