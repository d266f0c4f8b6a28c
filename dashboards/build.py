"""OpenSearch Dashboards saved objects for the owner's questions, as code: `python -m dashboards.build`.

Writes dashboards/salon-insights.ndjson (the Saved Objects import format: one object per line, dependencies
first) from the comments index template (schemas/index_comments.json: the index pattern's fields) and the
comment policy (config/comment_policy.json: the escalation threshold). Import it with Dashboards Management ->
Saved objects -> Import, or `POST /api/saved_objects/_import?overwrite=true` (see docs/insights.md).

Objects use the legacy visualization types of OpenSearch Dashboards 2.x (migration versions of 7.10), so they
import as they are and stay editable in the Visualize app.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from functions import names
from functions.adapters.opensearch_index import index_templates
from functions.config import default_comment_policy

OUT = Path(__file__).resolve().parent / "salon-insights.ndjson"
INDEX_PATTERN = "salon-comments"
VERSION = "7.10.2"
FIELD_TYPES = {
    "keyword": "string",
    "text": "string",
    "date": "date",
    "double": "number",
    "float": "number",
    "byte": "number",
    "integer": "number",
    "long": "number",
}
INDEX_REF = "kibanaSavedObjectMeta.searchSourceJSON.index"


def _fields(properties: dict[str, Any], prefix: str = "") -> list[dict[str, Any]]:
    fields = []
    for name, spec in sorted(properties.items()):
        if "properties" in spec:
            fields += _fields(spec["properties"], f"{prefix}{name}.")
            continue
        aggregatable = spec["type"] != "text"
        fields.append(
            {
                "name": f"{prefix}{name}",
                "type": FIELD_TYPES[spec["type"]],
                "esTypes": [spec["type"]],
                "count": 0,
                "scripted": False,
                "searchable": True,
                "aggregatable": aggregatable,
                "readFromDocValues": aggregatable,
            }
        )
    for meta, kind in (("_id", "string"), ("_index", "string"), ("_source", "_source")):
        fields.append(
            {
                "name": meta,
                "type": kind,
                "esTypes": [meta],
                "count": 0,
                "scripted": False,
                "searchable": meta != "_source",
                "aggregatable": meta != "_source",
                "readFromDocValues": False,
            }
        )
    return fields


def _search_source(query: str = "") -> str:
    return json.dumps({"query": {"query": query, "language": "kuery"}, "filter": [], "indexRefName": INDEX_REF})


def _index_pattern() -> dict[str, Any]:
    mapping = index_templates()[f"{names.INDEX_TEMPLATE_PREFIX}{names.COMMENTS_INDEX}"]["template"]["mappings"]
    return {
        "id": INDEX_PATTERN,
        "type": "index-pattern",
        "migrationVersion": {"index-pattern": "7.6.0"},
        "references": [],
        "attributes": {
            "title": names.COMMENTS_INDEX,
            "timeFieldName": "submittedAt",
            "fields": json.dumps(_fields(mapping["properties"])),
            "fieldFormatMap": json.dumps({"positive": {"id": "percent"}}),
        },
    }


def _agg(agg_id: str, kind: str, schema: str, **params: Any) -> dict[str, Any]:
    return {"id": agg_id, "enabled": True, "type": kind, "schema": schema, "params": params}


def _week(agg_id: str, schema: str = "segment") -> dict[str, Any]:
    return _agg(
        agg_id,
        "date_histogram",
        schema,
        field="submittedAt",
        useNormalizedOpenSearchInterval=True,
        scaleMetricValues=False,
        interval="w",
        drop_partials=False,
        min_doc_count=1,
        extended_bounds={},
        customLabel="Week",
    )


def _terms(
    agg_id: str, field: str, size: int, schema: str, label: str, order_by: str = "1", order: str = "desc"
) -> dict[str, Any]:
    return _agg(
        agg_id,
        "terms",
        schema,
        field=field,
        size=size,
        order=order,
        orderBy=order_by,
        otherBucket=False,
        otherBucketLabel="Other",
        missingBucket=False,
        missingBucketLabel="Missing",
        customLabel=label,
    )


def _xy(
    kind: str,
    label: str,
    mode: str = "normal",
    horizontal: bool = False,
    value_range: tuple[float, float] | None = None,
) -> dict[str, Any]:
    scale: dict[str, Any] = {"type": "linear", "mode": "normal"}
    if value_range:
        scale.update(setYExtents=True, min=value_range[0], max=value_range[1])
    return {
        "type": kind,
        "grid": {"categoryLines": False},
        "categoryAxes": [
            {
                "id": "CategoryAxis-1",
                "type": "category",
                "position": "left" if horizontal else "bottom",
                "show": True,
                "style": {},
                "scale": {"type": "linear"},
                "labels": {"show": True, "filter": not horizontal, "truncate": 100},
                "title": {},
            }
        ],
        "valueAxes": [
            {
                "id": "ValueAxis-1",
                "name": "LeftAxis-1",
                "type": "value",
                "position": "bottom" if horizontal else "left",
                "show": True,
                "style": {},
                "scale": scale,
                "labels": {"show": True, "rotate": 0, "filter": False, "truncate": 100},
                "title": {"text": label},
            }
        ],
        "seriesParams": [
            {
                "show": True,
                "type": "histogram" if kind == "horizontal_bar" else kind,
                "mode": mode,
                "data": {"label": label, "id": "1"},
                "valueAxis": "ValueAxis-1",
                "drawLinesBetweenPoints": True,
                "lineWidth": 2,
                "showCircles": True,
                "interpolate": "linear",
            }
        ],
        "addTooltip": True,
        "addLegend": True,
        "legendPosition": "right",
        "times": [],
        "addTimeMarker": False,
        "labels": {"show": False},
        "thresholdLine": {"show": False, "value": 10, "width": 1, "style": "full", "color": "#E7664C"},
    }


TABLE = {
    "perPage": 10,
    "showPartialRows": False,
    "showMetricsAtAllLevels": False,
    "sort": {"columnIndex": None, "direction": None},
    "showTotal": False,
    "totalFunc": "sum",
    "percentageCol": "",
}
METRIC = {
    "addTooltip": True,
    "addLegend": False,
    "type": "metric",
    "metric": {
        "percentageMode": False,
        "useRanges": False,
        "colorSchema": "Green to Red",
        "metricColorMode": "None",
        "colorsRange": [{"from": 0, "to": 10000}],
        "labels": {"show": True},
        "invertColors": False,
        "style": {"bgFill": "#000", "bgColor": False, "labelColor": False, "subText": "", "fontSize": 60},
    },
}
PIE = {
    "type": "pie",
    "addTooltip": True,
    "addLegend": True,
    "legendPosition": "right",
    "isDonut": True,
    "labels": {"show": True, "values": True, "last_level": True, "truncate": 100},
}


def _vis(
    vis_id: str,
    title: str,
    description: str,
    kind: str,
    params: dict[str, Any],
    aggs: list[dict[str, Any]],
    query: str = "",
) -> dict[str, Any]:
    state = {"title": title, "type": kind, "params": params, "aggs": aggs}
    return {
        "id": vis_id,
        "type": "visualization",
        "migrationVersion": {"visualization": "7.10.0"},
        "references": [{"name": INDEX_REF, "type": "index-pattern", "id": INDEX_PATTERN}],
        "attributes": {
            "title": title,
            "description": description,
            "version": 1,
            "uiStateJSON": "{}",
            "visState": json.dumps(state),
            "kibanaSavedObjectMeta": {"searchSourceJSON": _search_source(query)},
        },
    }


def escalation_query(min_negative: float) -> str:
    return f"sentiment:NEGATIVE and scores.Negative >= {min_negative}"


def build(min_negative: float | None = None) -> list[dict[str, Any]]:
    """The saved objects, dependencies first (index pattern, saved search, visualizations, dashboard)."""
    threshold = default_comment_policy().min_negative if min_negative is None else min_negative
    escalated = escalation_query(threshold)
    searches = [
        {
            "id": "salon-escalated-comments",
            "type": "search",
            "migrationVersion": {"search": "7.9.3"},
            "references": [{"name": INDEX_REF, "type": "index-pattern", "id": INDEX_PATTERN}],
            "attributes": {
                "title": "Salon: escalated comments",
                "description": f"Which concerns need my attention? ({escalated}: the comment policy)",
                "columns": ["designer", "designId", "author", "scores.Negative"],
                "sort": [["submittedAt", "desc"]],
                "version": 1,
                "kibanaSavedObjectMeta": {"searchSourceJSON": _search_source(escalated)},
            },
        }
    ]
    visualizations = [
        _vis(
            "salon-customers-weekly",
            "Salon: customers per week",
            "Is my customer base growing? Distinct customers commenting each week (new customers by first "
            "comment are in GET /insights and salon insights).",
            "line",
            _xy("line", "Customers"),
            [_agg("1", "cardinality", "metric", field="authorSub", customLabel="Customers"), _week("2")],
        ),
        _vis(
            "salon-customers-total",
            "Salon: customers",
            "Distinct customers who commented in the time range.",
            "metric",
            METRIC,
            [_agg("1", "cardinality", "metric", field="authorSub", customLabel="Customers")],
        ),
        _vis(
            "salon-escalations-weekly",
            "Salon: escalated comments per week",
            f"Which concerns need my attention? {escalated}",
            "histogram",
            _xy("histogram", "Escalated comments"),
            [_agg("1", "count", "metric", customLabel="Escalated comments"), _week("2")],
            query=escalated,
        ),
        _vis(
            "salon-hot-designs",
            "Salon: hot designs",
            "Which designs are hot this season? Most comments in the time range.",
            "horizontal_bar",
            _xy("horizontal_bar", "Comments", horizontal=True),
            [_agg("1", "count", "metric", customLabel="Comments"), _terms("2", "designId", 10, "segment", "Design")],
        ),
        _vis(
            "salon-designer-leaderboard",
            "Salon: designer leaderboard",
            "Which designers do exceptional work? Average positivity over scored comments, with their number.",
            "table",
            TABLE,
            [
                _agg("1", "avg", "metric", field="positive", customLabel="Average positivity"),
                _agg("3", "count", "metric", customLabel="Scored comments"),
                _terms("2", "designer", 50, "bucket", "Designer"),
            ],
            query="scored:1",
        ),
        _vis(
            "salon-satisfaction-trend",
            "Salon: satisfaction trend",
            "Is satisfaction trending up? Average positivity of scored comments per week.",
            "line",
            _xy("line", "Average positivity", value_range=(0, 1)),
            [_agg("1", "avg", "metric", field="positive", customLabel="Average positivity"), _week("2")],
            query="scored:1",
        ),
        _vis(
            "salon-sentiment-weekly",
            "Salon: sentiment per week",
            "What is the sentiment distribution? Comments per sentiment, per week.",
            "histogram",
            _xy("histogram", "Comments", mode="stacked"),
            [
                _agg("1", "count", "metric", customLabel="Comments"),
                _week("2"),
                _terms("3", "sentiment", 5, "group", "Sentiment"),
            ],
        ),
        _vis(
            "salon-sentiment-overall",
            "Salon: sentiment distribution",
            "What is the sentiment distribution? All comments in the time range.",
            "pie",
            PIE,
            [_agg("1", "count", "metric", customLabel="Comments"), _terms("2", "sentiment", 5, "segment", "Sentiment")],
        ),
    ]
    layout = [
        ("salon-customers-total", 0, 0, 12, 10),
        ("salon-customers-weekly", 12, 0, 36, 10),
        ("salon-satisfaction-trend", 0, 10, 24, 14),
        ("salon-designer-leaderboard", 24, 10, 24, 14),
        ("salon-hot-designs", 0, 24, 24, 14),
        ("salon-sentiment-overall", 24, 24, 24, 14),
        ("salon-sentiment-weekly", 0, 38, 24, 14),
        ("salon-escalations-weekly", 24, 38, 24, 14),
        ("salon-escalated-comments", 0, 52, 48, 15),
    ]
    panels, references = [], []
    for i, (ref_id, x, y, w, h) in enumerate(layout):
        panels.append(
            {
                "version": VERSION,
                "gridData": {"x": x, "y": y, "w": w, "h": h, "i": str(i + 1)},
                "panelIndex": str(i + 1),
                "embeddableConfig": {},
                "panelRefName": f"panel_{i}",
            }
        )
        references.append(
            {
                "name": f"panel_{i}",
                "id": ref_id,
                "type": "search" if ref_id == "salon-escalated-comments" else "visualization",
            }
        )
    dashboard = {
        "id": "salon-insights",
        "type": "dashboard",
        "migrationVersion": {"dashboard": "7.9.3"},
        "references": references,
        "attributes": {
            "title": "Salon Insights",
            "hits": 0,
            "version": 1,
            "timeRestore": True,
            "timeFrom": "now-90d",
            "timeTo": "now",
            "refreshInterval": {"pause": True, "value": 0},
            "description": "The owner's six questions over the comments index.",
            "panelsJSON": json.dumps(panels),
            "optionsJSON": json.dumps({"hidePanelTitles": False, "useMargins": True}),
            "kibanaSavedObjectMeta": {
                "searchSourceJSON": json.dumps({"query": {"query": "", "language": "kuery"}, "filter": []})
            },
        },
    }
    return [_index_pattern(), *searches, *visualizations, dashboard]


def ndjson(objects: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(o, sort_keys=True, ensure_ascii=False) + "\n" for o in objects)


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    text = ndjson(build())
    if args == ["--check"]:
        if OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is out of date: run python -m dashboards.build", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({text.count(chr(10))} saved objects)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
