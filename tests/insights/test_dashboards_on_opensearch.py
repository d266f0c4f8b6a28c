"""The saved objects of dashboards/salon-insights.ndjson against the index templates in schemas/ and against a
server: every index pattern is an index a template creates, every field an object names is mapped there (for
aggregations: as a type that aggregates), and the request each visualisation and the saved search make, built
here the way OpenSearch Dashboards builds it from the saved state, runs on the cluster (osmem-server, or
SALON_TEST_OPENSEARCH_URL) without error and gives the ground truth's numbers."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from functions import names
from tests.insights.opensearch_cluster import STORY, Cluster
from tests.insights.truth import truth

REPO = Path(__file__).resolve().parents[2]
SAVED = REPO / "dashboards" / "salon-insights.ndjson"
AGGREGATABLE = {"keyword", "date", "double", "float", "byte", "short", "integer", "long"}
PATTERN_TYPES = {"keyword": "string", "text": "string", "date": "date"}  # every numeric type is "number"
META_FIELDS = {"_id", "_index", "_source"}
COMPARISON = {">=": "gte", "<=": "lte", ">": "gt", "<": "lt"}


def objects() -> list[dict[str, Any]]:
    return [json.loads(line) for line in SAVED.read_text(encoding="utf-8").splitlines()]


def schema_fields() -> dict[str, dict[str, str]]:
    """{index pattern: {field: mapped type}}, read from schemas/index_*.json and nothing else."""
    found: dict[str, dict[str, str]] = {}
    for path in sorted(p for p in (REPO / "schemas").glob("index_*.json") if not p.name.endswith(".schema.json")):
        template = json.loads(path.read_text(encoding="utf-8"))
        fields: dict[str, str] = {}

        def walk(properties: dict[str, Any], prefix: str, into: dict[str, str] = fields) -> None:
            for name, spec in properties.items():
                if "properties" in spec:
                    walk(spec["properties"], f"{prefix}{name}.")
                else:
                    into[f"{prefix}{name}"] = spec["type"]

        walk(template["template"]["mappings"]["properties"], "")
        for pattern in template["index_patterns"]:
            found[pattern] = fields
    return found


def kql(query: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The KQL the saved objects use (`field:value`, `field >= number`, joined by `and`) as a bool filter, and the
    fields it names. Any other form fails here, so a new query gets a translation before it ships."""
    clauses, fields = [], []
    for part in filter(None, (p.strip() for p in re.split(r"\s+and\s+", query.strip()))):
        term = re.fullmatch(r"([\w.]+)\s*:\s*([\w.-]+)", part)
        compare = re.fullmatch(r"([\w.]+)\s*(>=|<=|>|<)\s*(-?[\d.]+)", part)
        if term:
            value: Any = int(term[2]) if term[2].isdigit() else term[2]
            clauses.append({"term": {term[1]: value}})
            fields.append(term[1])
        elif compare:
            clauses.append({"range": {compare[1]: {COMPARISON[compare[2]]: float(compare[3])}}})
            fields.append(compare[1])
        else:
            raise AssertionError(f"KQL not understood by this test: {part!r} in {query!r}")
    return clauses, fields


def source_of(obj: dict[str, Any]) -> dict[str, Any]:
    source: dict[str, Any] = json.loads(obj["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
    return source


def pattern_of(obj: dict[str, Any], patterns: dict[str, str]) -> str:
    (ref,) = [r for r in obj["references"] if r["type"] == "index-pattern"]
    return patterns[ref["id"]]


def vis_request(state: dict[str, Any], filters: list[dict[str, Any]]) -> dict[str, Any]:
    """What Dashboards sends for a legacy visualisation: bucket aggregations nested in their order, metrics
    (other than count) under the innermost bucket, terms ordered by the metric named in orderBy."""
    metrics = {a["id"]: a for a in state["aggs"] if a["schema"] == "metric"}
    leaf = {m["id"]: {m["type"]: {"field": m["params"]["field"]}} for m in metrics.values() if m["type"] != "count"}
    aggs: dict[str, Any] = leaf
    for bucket in reversed([a for a in state["aggs"] if a["schema"] != "metric"]):
        params = bucket["params"]
        if bucket["type"] == "date_histogram":
            assert params["interval"] == "w"
            spec = {"field": params["field"], "calendar_interval": "1w", "time_zone": "UTC", "min_doc_count": 1}
            body: dict[str, Any] = {"date_histogram": spec}
        elif bucket["type"] == "terms":
            by = metrics[params["orderBy"]]
            order = {"_count": params["order"]} if by["type"] == "count" else {by["id"]: params["order"]}
            body = {"terms": {"field": params["field"], "size": params["size"], "order": order}}
        else:
            raise AssertionError(f"bucket aggregation not translated by this test: {bucket['type']}")
        if aggs:
            body["aggs"] = aggs
        aggs = {bucket["id"]: body}
    return {"size": 0, "track_total_hits": True, "query": {"bool": {"filter": filters}}, "aggs": aggs}


def test_index_patterns_and_fields_exist_in_the_schemas():
    schemas = schema_fields()
    saved = objects()
    patterns = {o["id"]: o["attributes"]["title"] for o in saved if o["type"] == "index-pattern"}
    assert patterns and set(patterns.values()) <= set(schemas)
    for obj in (o for o in saved if o["type"] == "index-pattern"):
        mapped = schemas[obj["attributes"]["title"]]
        listed = {f["name"]: f for f in json.loads(obj["attributes"]["fields"]) if f["name"] not in META_FIELDS}
        assert set(listed) == set(mapped), obj["id"]
        for name, spec in listed.items():
            assert spec["esTypes"] == [mapped[name]] and spec["type"] == PATTERN_TYPES.get(mapped[name], "number")
        assert mapped[obj["attributes"]["timeFieldName"]] == "date"
    for obj in (o for o in saved if o["type"] in {"visualization", "search"}):
        mapped = schemas[pattern_of(obj, patterns)]
        _, named = kql(source_of(obj)["query"]["query"])
        if obj["type"] == "search":
            named += obj["attributes"]["columns"] + [field for field, _ in obj["attributes"]["sort"]]
        else:
            aggs = json.loads(obj["attributes"]["visState"])["aggs"]
            aggregated = [a["params"]["field"] for a in aggs if "field" in a["params"]]
            assert all(mapped.get(f) in AGGREGATABLE for f in aggregated), obj["id"]
            named += aggregated
        assert named and all(f in mapped for f in named), (obj["id"], [f for f in named if f not in mapped])


def test_visualisation_fields_are_exactly_those_aggregated():
    """Every agg but count names its field; count names none (a field there would be ignored by Dashboards)."""
    for obj in (o for o in objects() if o["type"] == "visualization"):
        for agg in json.loads(obj["attributes"]["visState"])["aggs"]:
            assert ("field" in agg["params"]) == (agg["type"] != "count"), (obj["id"], agg)


@pytest.fixture(scope="module")
def answers(cluster: Cluster) -> dict[str, Any]:
    """Each saved visualisation's and the saved search's response from the server, by object id."""
    cluster.load_story()
    saved = objects()
    patterns = {o["id"]: o["attributes"]["title"] for o in saved if o["type"] == "index-pattern"}
    responses = {}
    for obj in (o for o in saved if o["type"] in {"visualization", "search"}):
        index = pattern_of(obj, patterns)
        filters, _ = kql(source_of(obj)["query"]["query"])
        if obj["type"] == "search":
            attributes = obj["attributes"]
            body = {
                "size": 50,
                "query": {"bool": {"filter": filters}},
                "sort": [{field: order} for field, order in attributes["sort"]],
                "_source": attributes["columns"],
            }
        else:
            body = vis_request(json.loads(obj["attributes"]["visState"]), filters)
        responses[obj["id"]] = cluster.client.search(index=index, body=body)  # an error status raises here
    return responses


def test_every_saved_query_runs_on_the_server(answers):
    assert len(answers) == sum(1 for o in objects() if o["type"] in {"visualization", "search"})
    for object_id, response in answers.items():
        assert response["timed_out"] is False and response["_shards"]["failed"] == 0, object_id
        assert response["hits"]["total"]["value"] > 0, object_id


def test_the_numbers_are_the_ground_truths(answers):
    expected = truth([doc for _, doc in STORY.comment_documents()])
    counts = {b["key"]: b["doc_count"] for b in answers["salon-sentiment-overall"]["aggregations"]["2"]["buckets"]}
    assert counts == {k: v for k, v in expected["sentiment"]["overall"].items() if v}
    weekly = answers["salon-escalations-weekly"]["aggregations"]["2"]["buckets"]
    assert [b["doc_count"] for b in weekly] == [w["count"] for w in expected["escalations"]["weeks"] if w["count"]]
    total = answers["salon-customers-total"]["aggregations"]["1"]["value"]
    assert total == len({c.sub for c in STORY.comments})
    hot = answers["salon-hot-designs"]["aggregations"]["2"]["buckets"]
    assert [b["doc_count"] for b in hot] == [d["comments"] for d in expected["hotDesigns"]["designs"]]
    searched = answers["salon-escalated-comments"]["hits"]
    assert searched["total"]["value"] == expected["escalations"]["total"]
    assert set(searched["hits"][0]["_source"]) <= {"designer", "designId", "author", "scores"}
    assert answers["salon-sentiment-weekly"]["hits"]["total"]["value"] == len(STORY.comments)
    assert names.COMMENTS_INDEX in {h["_index"] for h in searched["hits"]}
