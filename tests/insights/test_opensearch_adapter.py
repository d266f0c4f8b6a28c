"""The OpenSearch adapter, without a server: the real opensearch-py client over a stand-in connection.

What is checked: the queries it builds (against the documented DSL), its parsing of OpenSearch's documented
response shapes, bulk partial failures and 429 retries, and, end to end on the stand-in engine, that it
answers a scenario exactly like the ground truth.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from opensearchpy import ConnectionError as OpenSearchConnectionError

from functions import names
from functions.adapters import opensearch_index as osx
from functions.domain import insights
from functions.ports import IndexingError
from salon import scenario as scenarios
from tests.insights.fake_opensearch import FakeOpenSearch, client_for
from tests.insights.truth import assert_same, truth, without_summaries

RULE = insights.EscalationRule(min_negative=0.75)
MARCH = insights.Period(datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC))


def adapter(server: FakeOpenSearch, **options) -> osx.OpenSearchIndex:
    sleeps: list[float] = []
    index = osx.OpenSearchIndex(client_for(server), sleep=sleeps.append, jitter=lambda cap: cap, **options)
    index.sleeps = sleeps  # type: ignore[attr-defined]
    return index


# -- end to end on the stand-in engine --------------------------------------------------------------------
@pytest.fixture(scope="module")
def loaded():
    story = scenarios.generate(weeks=10, seed=5, start=date(2025, 2, 3))
    server = FakeOpenSearch()
    index = adapter(server)
    result = scenarios.load(index, story)
    assert result.failed == [] and result.indexed == len(story.comments) + len(story.designs)
    return story, index


@pytest.mark.parametrize(
    "since, before",
    [
        (None, None),
        (datetime(2025, 3, 5, tzinfo=UTC), None),
        (datetime(2025, 2, 20, tzinfo=UTC), datetime(2025, 3, 20, tzinfo=UTC)),
    ],
)
def test_answers_equal_the_ground_truth(loaded, since, before):
    story, index = loaded
    request = insights.InsightsRequest(rule=RULE, period=insights.Period(since, before), top=5, recent=6)
    answer = without_summaries(insights.answer(index, request).to_dict())
    expected = truth([doc for _, doc in story.comment_documents()], since, before, top=5, recent=6)
    assert_same(answer, expected)


def test_customers_are_paged_through_the_composite_aggregation(loaded, monkeypatch):
    story, index = loaded
    monkeypatch.setattr(osx, "CUSTOMER_PAGE", 7)
    server = index.client.transport.get_connection().server
    server.requests.clear()
    rows = index.customer_rows(insights.Period())
    pages = [body for _, url, body in server.requests if "composite" in json.dumps(body)]
    customers = len({c.sub for c in story.comments})
    assert sum(rows.new_by_week.values()) == customers and len(pages) == customers // 7 + 1 + (customers % 7 > 0)
    assert "after" not in pages[0]["aggs"]["customers"]["composite"]
    assert pages[1]["aggs"]["customers"]["composite"]["after"]["customer"]


def test_documents_round_trip_by_id(loaded):
    story, index = loaded
    comment = story.comments[0]
    assert index.get(names.COMMENTS_INDEX, comment.comment_id) == comment.document()
    assert index.get(names.COMMENTS_INDEX, "no-such-id") is None
    assert index.count(names.COMMENTS_INDEX) == len(story.comments)
    assert index.ids(names.COMMENTS_INDEX) == sorted(c.comment_id for c in story.comments)


def test_ids_page_with_search_after():
    server = FakeOpenSearch()
    index = adapter(server)
    docs = [(f"p{i:05d}", {"photoId": f"p{i:05d}", "designer": "amara"}) for i in range(2345)]
    assert index.bulk(names.PHOTOS_INDEX, docs).indexed == 2345
    assert index.ids(names.PHOTOS_INDEX) == [d for d, _ in docs]
    searches = [body for _, url, body in server.requests if url.endswith("/_search")]
    assert len(searches) == 4 and searches[1]["search_after"] == ["p00999"]


def test_missing_index_reads_as_empty():
    index = adapter(FakeOpenSearch())
    assert index.count(names.COMMENTS_INDEX) == 0 and index.get(names.COMMENTS_INDEX, "x") is None
    assert insights.answer(index, insights.InsightsRequest(rule=RULE)).sentiment.total == 0
    index.delete(names.COMMENTS_INDEX, "x")  # nothing to delete is not an error


# -- the queries it builds ---------------------------------------------------------------------------------
def test_period_is_a_half_open_utc_range_on_submitted_at():
    assert osx.period_filter(MARCH) == [
        {"range": {"submittedAt": {"gte": "2025-03-01T00:00:00Z", "lt": "2025-04-01T00:00:00Z"}}}
    ]
    assert osx.period_filter(insights.Period()) == []
    assert osx.span_query(insights.Period())["query"] == {"match_all": {}}


def test_weekly_questions_use_a_calendar_week_date_histogram():
    positivity = osx.positivity_query(MARCH)
    assert positivity["size"] == 0
    assert positivity["query"]["bool"]["filter"][0] == {"term": {"scored": 1}}
    weeks = positivity["aggs"]["weeks"]
    assert weeks["date_histogram"] == {"field": "submittedAt", "calendar_interval": "week", "min_doc_count": 1}
    assert weeks["aggs"] == {"positivity": {"avg": {"field": "positive"}}}
    sentiments = osx.sentiments_query(MARCH)["aggs"]["weeks"]["aggs"]["sentiments"]["terms"]
    assert sentiments["field"] == "sentiment" and sentiments["size"] >= 5
    active = osx.active_query(MARCH)["aggs"]["weeks"]["aggs"]["customers"]["cardinality"]
    assert active == {"field": "authorSub", "precision_threshold": 40000}


def test_first_seen_ignores_the_period_start_but_not_its_end():
    query = osx.first_seen_query(MARCH, after={"customer": "sub-9"})
    assert query["query"]["bool"]["filter"] == [{"range": {"submittedAt": {"lt": "2025-04-01T00:00:00Z"}}}]
    customers = query["aggs"]["customers"]
    assert customers["composite"]["sources"] == [{"customer": {"terms": {"field": "authorSub"}}}]
    assert customers["composite"]["after"] == {"customer": "sub-9"}
    assert customers["aggs"] == {"first": {"min": {"field": "submittedAt"}}}


def test_escalations_filter_on_the_policy_rule_and_list_the_newest():
    query = osx.escalation_query(MARCH, insights.EscalationRule(min_negative=0.8), top=4, recent=9)
    filters = query["query"]["bool"]["filter"]
    assert {"term": {"sentiment": "NEGATIVE"}} in filters
    assert {"range": {"scores.Negative": {"gte": 0.8}}} in filters
    assert query["size"] == 9 and query["sort"] == [{"submittedAt": "desc"}, {"commentId": "desc"}]
    assert query["track_total_hits"] is True
    assert query["aggs"]["designs"]["terms"] == {
        "field": "designId",
        "size": 4,
        "order": [{"_count": "desc"}, {"_key": "asc"}],
    }


def test_hot_designs_and_designers_average_scored_comments_only():
    designs = osx.designs_query(MARCH, top=3)["aggs"]["designs"]
    assert designs["terms"]["size"] == 3 and designs["terms"]["order"] == [{"_count": "desc"}, {"_key": "asc"}]
    assert designs["aggs"]["scored"] == {
        "filter": {"term": {"scored": 1}},
        "aggs": {"positivity": {"avg": {"field": "positive"}}},
    }
    assert designs["aggs"]["positive"] == {"filter": {"term": {"sentiment": "POSITIVE"}}}
    designers = osx.designers_query(MARCH)["aggs"]["designers"]
    assert designers["terms"]["field"] == "designer" and designers["aggs"]["scored"] == designs["aggs"]["scored"]


def test_every_queried_field_is_mapped_for_aggregation():
    """keyword for terms/cardinality/term filters, date for ranges and histograms, double for averages."""
    mapping = osx.index_templates()["salon-comments"]["template"]["mappings"]["properties"]
    for field in ("designId", "designer", "authorSub", "sentiment", "commentId"):
        assert mapping[field]["type"] == "keyword"
    assert mapping["submittedAt"]["type"] == "date" and mapping["positive"]["type"] == "double"
    assert mapping["scores"]["properties"]["Negative"]["type"] == "double"


# -- parsing the documented response shapes ------------------------------------------------------------------
MONDAY = int(datetime(2025, 3, 3, tzinfo=UTC).timestamp() * 1000)
NEXT = MONDAY + 7 * 86_400_000


def test_parses_date_histogram_buckets_with_an_empty_average():
    response = {
        "took": 4,
        "timed_out": False,
        "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
        "hits": {"total": {"value": 12, "relation": "eq"}, "max_score": None, "hits": []},
        "aggregations": {
            "weeks": {
                "buckets": [
                    {
                        "key_as_string": "2025-03-03T00:00:00.000Z",
                        "key": MONDAY,
                        "doc_count": 12,
                        "positivity": {"value": 0.625},
                    },
                    {
                        "key_as_string": "2025-03-10T00:00:00.000Z",
                        "key": NEXT,
                        "doc_count": 0,
                        "positivity": {"value": None},
                    },
                ]
            }
        },
    }
    assert osx.parse_positivity(response) == [insights.WeekPositivity(date(2025, 3, 3), 12, 0.625)]


def test_parses_terms_buckets_with_sub_aggregations():
    response = {
        "aggregations": {
            "designs": {
                "doc_count_error_upper_bound": 0,
                "sum_other_doc_count": 40,
                "buckets": [
                    {
                        "key": "d-1",
                        "doc_count": 9,
                        "designer": {
                            "doc_count_error_upper_bound": 0,
                            "sum_other_doc_count": 0,
                            "buckets": [{"key": "amara", "doc_count": 9}],
                        },
                        "scored": {"doc_count": 8, "positivity": {"value": 0.8125}},
                        "positive": {"doc_count": 6},
                    },
                    {
                        "key": "d-2",
                        "doc_count": 3,
                        "designer": {"buckets": [{"key": "bea", "doc_count": 3}]},
                        "scored": {"doc_count": 0, "positivity": {"value": None}},
                        "positive": {"doc_count": 0},
                    },
                ],
            }
        }
    }
    assert osx.parse_designs(response) == [
        insights.DesignStats("d-1", "amara", 9, 8, 6, 0.8125),
        insights.DesignStats("d-2", "bea", 3, 0, 0, None),
    ]


def test_parses_sentiment_terms_per_week_and_ignores_unknown_labels():
    response = {
        "aggregations": {
            "weeks": {
                "buckets": [
                    {
                        "key_as_string": "2025-03-03T00:00:00.000Z",
                        "key": MONDAY,
                        "doc_count": 7,
                        "sentiments": {
                            "doc_count_error_upper_bound": 0,
                            "sum_other_doc_count": 0,
                            "buckets": [
                                {"key": "POSITIVE", "doc_count": 4},
                                {"key": "NEGATIVE", "doc_count": 2},
                                {"key": "SOMETHING_NEW", "doc_count": 1},
                            ],
                        },
                    }
                ]
            }
        }
    }
    (week,) = osx.parse_sentiments(response)
    assert week.week == date(2025, 3, 3)
    assert week.counts == {"POSITIVE": 4, "NEGATIVE": 2, "NEUTRAL": 0, "MIXED": 0, "UNSCORED": 0}


def test_parses_min_max_and_composite_pages():
    span = {
        "aggregations": {
            "first": {"value": float(MONDAY + 3600_000), "value_as_string": "2025-03-03T01:00:00Z"},
            "last": {"value": float(NEXT + 86_400_000 * 6), "value_as_string": "…"},
        }
    }
    assert osx.parse_span(span) == (date(2025, 3, 3), date(2025, 3, 10))
    assert osx.parse_span({"aggregations": {"first": {"value": None}, "last": {"value": None}}}) is None
    page = {
        "aggregations": {
            "customers": {
                "after_key": {"customer": "s2"},
                "buckets": [
                    {
                        "key": {"customer": "s1"},
                        "doc_count": 3,
                        "first": {"value": float(MONDAY), "value_as_string": "…"},
                    },
                    {
                        "key": {"customer": "s2"},
                        "doc_count": 1,
                        "first": {"value": float(NEXT), "value_as_string": "…"},
                    },
                ],
            }
        }
    }
    assert osx.parse_first_seen(page) == ([float(MONDAY), float(NEXT)], {"customer": "s2"})
    assert osx.parse_first_seen({"aggregations": {"customers": {"buckets": []}}}) == ([], None)


def test_parses_escalation_hits():
    response = {
        "hits": {
            "total": {"value": 2, "relation": "eq"},
            "hits": [
                {
                    "_index": "comments",
                    "_id": "c2",
                    "_score": None,
                    "sort": [NEXT, "c2"],
                    "_source": {
                        "commentId": "c2",
                        "designId": "d-1",
                        "designer": "dario",
                        "author": "penny",
                        "submittedAt": "2025-03-10T09:00:00.000Z",
                        "scores": {"Negative": 0.91},
                    },
                }
            ],
        },
        "aggregations": {
            "weeks": {"buckets": [{"key": NEXT, "key_as_string": "…", "doc_count": 2}]},
            "designs": {
                "buckets": [{"key": "d-1", "doc_count": 2, "designer": {"buckets": [{"key": "dario", "doc_count": 2}]}}]
            },
        },
    }
    rows = osx.parse_escalations(response)
    assert rows.by_week == {date(2025, 3, 10): 2}
    assert rows.by_design == [insights.DesignCount("d-1", "dario", 2)]
    assert rows.recent == [insights.Escalation("c2", "d-1", "dario", "penny", "2025-03-10T09:00:00.000Z", 0.91)]


# -- bulk: deterministic ids, partial failures, 429 retries -----------------------------------------------------
def docs(n: int) -> list[tuple[str, dict]]:
    return [(f"c{i}", {"commentId": f"c{i}", "submittedAt": "2025-03-03T10:00:00.000Z"}) for i in range(n)]


def test_per_document_failures_are_reported_and_the_rest_indexed():
    server = FakeOpenSearch()
    refusals = {
        "c1": (400, {"type": "mapper_parsing_exception", "reason": "failed to parse field [submittedAt]"}),
        "c3": (409, {"type": "version_conflict_engine_exception", "reason": "version conflict"}),
    }
    server.bulk_status = lambda doc_id, attempt: refusals.get(doc_id, (201, None))
    result = adapter(server).bulk(names.COMMENTS_INDEX, docs(5))
    assert result.indexed == 3
    assert result.failed == [
        {"id": "c1", "status": 400, "error": "mapper_parsing_exception: failed to parse field [submittedAt]"},
        {"id": "c3", "status": 409, "error": "version_conflict_engine_exception: version conflict"},
    ]
    assert sorted(server.indices[names.COMMENTS_INDEX]) == ["c0", "c2", "c4"]


def test_rejected_documents_are_retried_alone_with_growing_backoff():
    server = FakeOpenSearch()
    rejected = {"type": "es_rejected_execution_exception", "reason": "rejected execution of coordinating operation"}
    server.bulk_status = lambda doc_id, attempt: (429, rejected) if doc_id == "c2" and attempt <= 2 else (201, None)
    index = adapter(server, initial_backoff=0.5, max_backoff=20)
    result = index.bulk(names.COMMENTS_INDEX, docs(4))
    assert result.indexed == 4 and result.failed == []
    assert index.sleeps == [0.5, 1.0]  # capped exponential backoff (jitter fixed at its cap here)
    bulks = [body for _, url, body in server.requests if url == "/_bulk"]
    assert [b.count('"index"') for b in bulks] == [4, 1, 1]  # only the rejected document is sent again


def test_rejections_past_the_retry_budget_are_reported_not_dropped():
    server = FakeOpenSearch()
    server.bulk_status = lambda doc_id, attempt: (
        (429, {"type": "es_rejected_execution_exception", "reason": "queue full"}) if doc_id == "c0" else (201, None)
    )
    index = adapter(server, max_retries=3, initial_backoff=1, max_backoff=3)
    result = index.bulk(names.COMMENTS_INDEX, docs(3))
    assert result.indexed == 2
    assert result.failed == [{"id": "c0", "status": 429, "error": "es_rejected_execution_exception: queue full"}]
    assert index.sleeps == [1, 2, 3] and server.bulk_attempts["c0"] == 4


def test_a_whole_request_rejected_with_429_is_retried():
    server = FakeOpenSearch()
    server.whole_bulk_status = [429]
    index = adapter(server)
    assert index.bulk(names.COMMENTS_INDEX, docs(3)).indexed == 3
    assert len(index.sleeps) == 1


def test_a_replay_overwrites_by_id():
    server = FakeOpenSearch()
    index = adapter(server)
    index.bulk(names.COMMENTS_INDEX, docs(3))
    index.bulk(names.COMMENTS_INDEX, [("c1", {"commentId": "c1", "replayed": True})] * 2)
    assert len(server.indices[names.COMMENTS_INDEX]) == 3
    assert server.indices[names.COMMENTS_INDEX]["c1"] == {"commentId": "c1", "replayed": True}


def test_an_unreachable_domain_fails_every_document_visibly():
    def down(method, url, body):
        raise OpenSearchConnectionError("N/A", "connection refused", None)

    result = adapter(down).bulk(names.COMMENTS_INDEX, docs(2))  # type: ignore[arg-type]
    assert result.indexed == 0 and [f["id"] for f in result.failed] == ["c0", "c1"]
    assert all(f["status"] is None and "connection refused" in f["error"] for f in result.failed)


def test_index_one_document_raises_when_refused():
    server = FakeOpenSearch()
    server.bulk_status = lambda doc_id, attempt: (400, {"type": "mapper_parsing_exception", "reason": "bad date"})
    with pytest.raises(IndexingError, match="comments/c0: 400 mapper_parsing_exception: bad date"):
        adapter(server).index(names.COMMENTS_INDEX, "c0", docs(1)[0][1])


# -- templates and wiring ----------------------------------------------------------------------------------------
def test_templates_are_put_from_schemas():
    server = FakeOpenSearch()
    assert adapter(server).apply_templates() == ["salon-comments", "salon-photos"]
    assert server.templates["salon-comments"]["index_patterns"] == ["comments"]
    assert server.templates["salon-photos"]["template"]["mappings"]["properties"]["photoId"] == {"type": "keyword"}


def test_connect_signs_requests_for_the_domain(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    index = osx.OpenSearchIndex.connect("https://search-salon-abc.eu-west-1.es.amazonaws.com", "eu-west-1")
    connection = index.client.transport.get_connection()
    assert connection.host == "https://search-salon-abc.eu-west-1.es.amazonaws.com:443"
    signer = connection.session.auth.signer
    assert (signer.region, signer.service, signer.credentials.access_key) == ("eu-west-1", "es", "testing")


def test_backoff_is_full_jitter_under_the_cap():
    index = osx.OpenSearchIndex(client=None, initial_backoff=0.5, max_backoff=4.0)
    samples = [index.backoff(attempt) for attempt in range(1, 8) for _ in range(50)]
    assert all(0 <= s <= 4.0 for s in samples) and max(samples) > 2.0
    assert all(index.backoff(1) <= 0.5 for _ in range(50))


def test_first_seen_before_the_period_counts_as_earlier(loaded):
    story, index = loaded
    since = story.week_start(4)
    rows = index.customer_rows(insights.Period(since, None))
    first = {}
    for c in story.comments:
        first[c.sub] = min(first.get(c.sub, c.submitted_at), c.submitted_at)
    assert rows.before == sum(1 for f in first.values() if f < since)
    assert sum(rows.new_by_week.values()) == sum(1 for f in first.values() if f >= since)
    assert min(rows.new_by_week) >= (since - timedelta(days=since.weekday())).date()


def test_connect_speaks_plain_http_only_to_a_server_on_this_machine():
    index = osx.OpenSearchIndex.connect("http://127.0.0.1:9251/", "")
    connection = index.client.transport.get_connection()
    assert connection.host == "http://127.0.0.1:9251" and not connection.use_ssl
    for remote in ("http://search-salon-abc.eu-west-1.es.amazonaws.com", "http://10.0.0.7:9200"):
        with pytest.raises(IndexingError, match="plain http is for a server on this machine only"):
            osx.OpenSearchIndex.connect(remote, "eu-west-1")


def test_a_whole_request_refused_with_503_is_reported_per_document_not_dropped():
    server = FakeOpenSearch()
    server.whole_bulk_status = [503]
    index = adapter(server)
    result = index.bulk(names.COMMENTS_INDEX, docs(2))
    assert result.indexed == 0 and [(f["id"], f["status"]) for f in result.failed] == [("c0", 503), ("c1", 503)]
    assert index.sleeps == [] and names.COMMENTS_INDEX not in server.indices  # reported for the Catch, not retried here
    assert index.bulk(names.COMMENTS_INDEX, docs(2)).indexed == 2  # the next attempt goes through
