"""The OpenSearch adapter against a real HTTP server: osmem-server started here, or any OpenSearch by URL.

Without configuration the module starts osmem-server (pyproject.toml pins it; no skip: if it cannot be
installed or started, every test here fails). To run the same tests against a real cluster:

    SALON_TEST_OPENSEARCH_URL=https://admin:secret@localhost:9200 SALON_TEST_OPENSEARCH_VERIFY=false \\
        .venv/bin/python -m pytest tests/insights/test_opensearch_contract.py

They delete and recreate the `comments` and `photos` indices and put the `salon-*` templates: point them at a
scratch cluster. osmem-server does not check SigV4: the signed client (`OpenSearchIndex.connect` with an https
endpoint) still meets only the stand-in of test_opensearch_adapter.py, as do 429 and 503 answers.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from functions import names
from functions.adapters import opensearch_index as osx
from functions.domain import insights
from functions.ports import IndexingError
from salon import scenario as scenarios
from tests.insights.opensearch_cluster import STORY, Recording
from tests.insights.truth import assert_same, truth, without_summaries

RULE = insights.EscalationRule(min_negative=0.75)


def _fields(properties: dict[str, Any], prefix: str = "") -> dict[str, str]:
    found: dict[str, str] = {}
    for name, spec in properties.items():
        if "properties" in spec:
            found.update(_fields(spec["properties"], f"{prefix}{name}."))
        else:
            found[f"{prefix}{name}"] = spec["type"]
    return found


def docs(n: int) -> list[tuple[str, dict[str, Any]]]:
    return [(f"c{i}", {"commentId": f"c{i}", "submittedAt": "2025-03-03T10:00:00.000Z"}) for i in range(n)]


# -- templates ------------------------------------------------------------------------------------------------
def test_templates_from_schemas_shape_the_indices(cluster, fresh):
    stored = cluster.client.indices.get_index_template(name="salon-*")["index_templates"]
    assert sorted(t["name"] for t in stored) == ["salon-comments", "salon-photos"]
    fresh.bulk(names.COMMENTS_INDEX, docs(1))
    fresh.bulk(names.PHOTOS_INDEX, [("p1", {"photoId": "p1", "designer": "amara"})])
    for index in (names.COMMENTS_INDEX, names.PHOTOS_INDEX):
        template = osx.index_templates()[f"salon-{index}"]["template"]
        mapping = cluster.client.indices.get_mapping(index=index)[index]["mappings"]
        assert _fields(mapping["properties"]) == _fields(template["mappings"]["properties"]), index
        assert str(mapping.get("dynamic")) == "false"
        settings = cluster.client.indices.get_settings(index=index)[index]["settings"]["index"]
        assert str(settings["number_of_shards"]) == "1"


# -- bulk ----------------------------------------------------------------------------------------------------
def test_documents_the_server_refuses_are_reported_and_the_rest_indexed(cluster, fresh):
    batch = [
        *docs(1),
        ("c1", {"commentId": "c1", "submittedAt": "not a date"}),
        ("c2", {"commentId": "c2", "positive": "very"}),
        ("c3", {"commentId": "c3", "scores": "flat"}),
        ("c4", {"commentId": "c4", "submittedAt": "2025-03-04T10:00:00.000Z", "notMapped": {"kept": True}}),
    ]
    result = fresh.bulk(names.COMMENTS_INDEX, batch)
    assert result.indexed == 2
    assert [(f["id"], f["status"]) for f in result.failed] == [("c1", 400), ("c2", 400), ("c3", 400)]
    assert all(f["error"].startswith("mapper_parsing_exception: ") for f in result.failed)
    assert "[submittedAt]" in result.failed[0]["error"] and "[positive]" in result.failed[1]["error"]
    cluster.refresh()
    assert fresh.ids(names.COMMENTS_INDEX) == ["c0", "c4"]
    assert fresh.get(names.COMMENTS_INDEX, "c4") == batch[4][1]  # dynamic false: kept in _source, not mapped


def test_index_one_document_raises_with_the_servers_reason(fresh):
    with pytest.raises(IndexingError, match=r"comments/c9: 400 mapper_parsing_exception: .*\[submittedAt\]"):
        fresh.index(names.COMMENTS_INDEX, "c9", {"commentId": "c9", "submittedAt": "yesterday"})
    assert fresh.get(names.COMMENTS_INDEX, "c9") is None


def test_a_bad_index_name_fails_every_document_visibly(fresh):
    result = fresh.bulk("Not_An_Index", docs(2))
    assert result.indexed == 0 and [f["id"] for f in result.failed] == ["c0", "c1"]
    assert all(f["status"] == 400 and "invalid_index_name_exception" in f["error"] for f in result.failed)


def test_a_replay_overwrites_by_id(cluster, fresh):
    fresh.bulk(names.COMMENTS_INDEX, docs(3))
    replay = {"commentId": "c1", "submittedAt": "2025-03-05T10:00:00.000Z", "sentiment": "POSITIVE"}
    assert fresh.bulk(names.COMMENTS_INDEX, [("c1", replay)] * 2).indexed == 1  # one id: the last one wins
    fresh.index(names.COMMENTS_INDEX, "c2", docs(3)[2][1])
    cluster.refresh()
    assert fresh.count(names.COMMENTS_INDEX) == 3 and fresh.get(names.COMMENTS_INDEX, "c1") == replay


# -- deletes and missing indices -----------------------------------------------------------------------------
def test_deletes_are_idempotent_and_leave_the_answers(cluster, fresh):
    assert scenarios.load(fresh, STORY).failed == []
    gone = [c.comment_id for c in STORY.comments[::3]]
    for comment_id in gone:
        fresh.delete(names.COMMENTS_INDEX, comment_id)
    fresh.delete(names.COMMENTS_INDEX, gone[0])  # already gone: not an error
    cluster.refresh()
    kept = [doc for doc_id, doc in STORY.comment_documents() if doc_id not in set(gone)]
    assert fresh.count(names.COMMENTS_INDEX) == len(kept) and fresh.get(names.COMMENTS_INDEX, gone[0]) is None
    answer = without_summaries(insights.answer(fresh, insights.InsightsRequest(rule=RULE)).to_dict())
    assert_same(answer, truth(kept))


def test_missing_indices_read_as_empty(fresh):
    for index in (names.COMMENTS_INDEX, names.PHOTOS_INDEX):
        assert fresh.count(index) == 0 and fresh.ids(index) == [] and fresh.get(index, "x") is None
        fresh.delete(index, "x")
    answer = insights.answer(fresh, insights.InsightsRequest(rule=RULE)).to_dict()
    assert answer["sentiment"]["total"] == 0 and answer["customers"]["weeks"] == []
    assert answer["hotDesigns"]["designs"] == [] and answer["escalations"]["recent"] == []


# -- the owner's questions against the ground truth ------------------------------------------------------------
@pytest.mark.parametrize(
    "since, before, min_comments, top, recent",
    [
        (None, None, 5, 10, 20),
        (datetime(2025, 3, 5, tzinfo=UTC), None, 5, 5, 6),
        (datetime(2025, 2, 20, tzinfo=UTC), datetime(2025, 3, 20, tzinfo=UTC), 3, 3, 4),
        (datetime(2026, 1, 1, tzinfo=UTC), None, 5, 10, 20),  # after every comment: empty answers
    ],
)
def test_every_answer_equals_the_ground_truth(loaded, since, before, min_comments, top, recent):
    request = insights.InsightsRequest(
        rule=RULE, period=insights.Period(since, before), min_comments=min_comments, top=top, recent=recent
    )
    answer = without_summaries(insights.answer(loaded, request).to_dict())
    documents = [doc for _, doc in STORY.comment_documents()]
    assert_same(answer, truth(documents, since, before, min_comments=min_comments, top=top, recent=recent))


def test_a_stricter_escalation_rule_lists_fewer(loaded):
    strict = insights.EscalationRule(min_negative=0.9)
    answer = without_summaries(insights.answer(loaded, insights.InsightsRequest(rule=strict)).to_dict())
    expected = truth([doc for _, doc in STORY.comment_documents()], min_negative=0.9)
    assert_same(answer["escalations"], expected["escalations"])
    loose = insights.answer(loaded, insights.InsightsRequest(rule=RULE)).to_dict()["escalations"]
    assert 0 < answer["escalations"]["total"] < loose["total"]


def test_customers_are_paged_through_the_composite_aggregation(loaded, monkeypatch):
    monkeypatch.setattr(osx, "CUSTOMER_PAGE", 7)
    Recording.seen.clear()
    rows = loaded.customer_rows(insights.Period())
    pages = [body for _, _, body in Recording.seen if "composite" in json.dumps(body)]
    customers = len({c.sub for c in STORY.comments})
    assert sum(rows.new_by_week.values()) == customers and customers > 14
    assert len(pages) == customers // 7 + 1 + (customers % 7 > 0)  # the last page is empty
    assert [page["aggs"]["customers"]["composite"].get("after") is None for page in pages[:2]] == [True, False]


def test_documents_round_trip_by_id(loaded):
    comment = STORY.comments[0]
    assert loaded.get(names.COMMENTS_INDEX, comment.comment_id) == comment.document()
    assert loaded.get(names.COMMENTS_INDEX, "no-such-id") is None
    assert loaded.count(names.COMMENTS_INDEX) == len(STORY.comments)
    assert loaded.ids(names.COMMENTS_INDEX) == sorted(c.comment_id for c in STORY.comments)
    assert loaded.ids(names.PHOTOS_INDEX) == sorted(d.design_id for d in STORY.designs)


def test_ids_page_with_search_after(cluster, fresh):
    photos = [(f"p{i:05d}", {"photoId": f"p{i:05d}", "designer": "amara"}) for i in range(2345)]
    assert fresh.bulk(names.PHOTOS_INDEX, photos).indexed == 2345
    cluster.refresh()
    Recording.seen.clear()
    assert fresh.ids(names.PHOTOS_INDEX) == [doc_id for doc_id, _ in photos]
    searches = [body for _, url, body in Recording.seen if url.endswith("/_search")]
    assert len(searches) == 4 and searches[1]["search_after"] == ["p00999"]
