"""OpenSearch adapter of SearchIndex (opensearch-py): the index on AWS.

Documents: bulk requests with the caller's deterministic ids (`index` op: a replay overwrites), 429-rejected
documents retried with capped exponential backoff and full jitter, every other failure reported per document.
Insights: one `_search` per question with aggregations (date_histogram, terms, avg, cardinality, composite),
built by the pure `*_query` functions below and read back by the `parse_*` functions, so both are testable
against OpenSearch's documented request and response shapes without a server.

Index templates (settings and mappings) are `schemas/index_<name>.json`; `apply_templates` puts them.
"""

from __future__ import annotations

import contextlib
import json
import random
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from opensearchpy import helpers
from opensearchpy.exceptions import NotFoundError

from functions import names
from functions.domain.insights import SENTIMENTS, week_of
from functions.ports import (
    BulkResult,
    CustomerRows,
    DesignCount,
    DesignerStats,
    DesignStats,
    Escalation,
    EscalationRows,
    EscalationRule,
    IndexingError,
    Period,
    SearchIndex,
    WeekPositivity,
    WeekSentiments,
    transient_status,
)

SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"
TEMPLATE_PREFIX = names.INDEX_TEMPLATE_PREFIX
# The field holding each index's document id (ids() pages through it: no scroll or PIT permission needed).
ID_FIELDS = {names.PHOTOS_INDEX: "photoId", names.COMMENTS_INDEX: "commentId"}
CUSTOMER_PAGE = 1000  # composite buckets per page when finding each customer's first comment
CARDINALITY_PRECISION = 40000  # the maximum: counts below it are exact in practice
TERMS_LIMIT = 10000  # all designers / weeks fit; one shard per index makes terms counts exact
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
WEEKLY = {"field": "submittedAt", "calendar_interval": "week", "min_doc_count": 1}  # Monday-based, UTC


def index_templates() -> dict[str, dict[str, Any]]:
    """Composable index templates by name (salon-photos, salon-comments), from schemas/index_<index>.json."""
    found = {}
    for index in (names.PHOTOS_INDEX, names.COMMENTS_INDEX):
        found[f"{TEMPLATE_PREFIX}{index}"] = json.loads((SCHEMAS_DIR / f"index_{index}.json").read_text("utf-8"))
    return found


# -- queries (pure) ------------------------------------------------------------------------------------
def period_filter(period: Period) -> list[dict[str, Any]]:
    bounds = {}
    if period.since:
        bounds["gte"] = period.since.isoformat().replace("+00:00", "Z")
    if period.before:
        bounds["lt"] = period.before.isoformat().replace("+00:00", "Z")
    return [{"range": {"submittedAt": bounds}}] if bounds else []


def _query(*filters: dict[str, Any]) -> dict[str, Any]:
    return {"bool": {"filter": list(filters)}} if filters else {"match_all": {}}


def span_query(period: Period) -> dict[str, Any]:
    return {
        "size": 0,
        "track_total_hits": False,
        "query": _query(*period_filter(period)),
        "aggs": {"first": {"min": {"field": "submittedAt"}}, "last": {"max": {"field": "submittedAt"}}},
    }


def first_seen_query(period: Period, after: dict[str, Any] | None = None) -> dict[str, Any]:
    """Each customer's first comment ever (up to the period's end): composite over authorSub, min submittedAt."""
    composite: dict[str, Any] = {"size": CUSTOMER_PAGE, "sources": [{"customer": {"terms": {"field": "authorSub"}}}]}
    if after:
        composite["after"] = after
    return {
        "size": 0,
        "track_total_hits": False,
        "query": _query(*period_filter(Period(None, period.before))),
        "aggs": {"customers": {"composite": composite, "aggs": {"first": {"min": {"field": "submittedAt"}}}}},
    }


def active_query(period: Period) -> dict[str, Any]:
    return {
        "size": 0,
        "track_total_hits": False,
        "query": _query(*period_filter(period)),
        "aggs": {
            "weeks": {
                "date_histogram": WEEKLY,
                "aggs": {
                    "customers": {"cardinality": {"field": "authorSub", "precision_threshold": CARDINALITY_PRECISION}}
                },
            }
        },
    }


def escalation_query(period: Period, rule: EscalationRule, top: int, recent: int) -> dict[str, Any]:
    return {
        "size": recent,
        "track_total_hits": True,
        "query": _query(
            {"term": {"sentiment": rule.sentiment}},
            {"range": {"scores.Negative": {"gte": rule.min_negative}}},
            *period_filter(period),
        ),
        "sort": [{"submittedAt": "desc"}, {"commentId": "desc"}],
        "_source": ["commentId", "designId", "designer", "author", "submittedAt", "scores.Negative"],
        "aggs": {
            "weeks": {"date_histogram": WEEKLY},
            "designs": {
                "terms": {"field": "designId", "size": top, "order": [{"_count": "desc"}, {"_key": "asc"}]},
                "aggs": {"designer": {"terms": {"field": "designer", "size": 1}}},
            },
        },
    }


def _scored_positivity() -> dict[str, Any]:
    return {"filter": {"term": {"scored": 1}}, "aggs": {"positivity": {"avg": {"field": "positive"}}}}


def designs_query(period: Period, top: int) -> dict[str, Any]:
    return {
        "size": 0,
        "track_total_hits": False,
        "query": _query(*period_filter(period)),
        "aggs": {
            "designs": {
                "terms": {"field": "designId", "size": top, "order": [{"_count": "desc"}, {"_key": "asc"}]},
                "aggs": {
                    "designer": {"terms": {"field": "designer", "size": 1}},
                    "scored": _scored_positivity(),
                    "positive": {"filter": {"term": {"sentiment": "POSITIVE"}}},
                },
            }
        },
    }


def designers_query(period: Period) -> dict[str, Any]:
    return {
        "size": 0,
        "track_total_hits": False,
        "query": _query(*period_filter(period)),
        "aggs": {
            "designers": {
                "terms": {"field": "designer", "size": TERMS_LIMIT, "order": {"_key": "asc"}},
                "aggs": {"scored": _scored_positivity()},
            }
        },
    }


def positivity_query(period: Period) -> dict[str, Any]:
    return {
        "size": 0,
        "track_total_hits": False,
        "query": _query({"term": {"scored": 1}}, *period_filter(period)),
        "aggs": {"weeks": {"date_histogram": WEEKLY, "aggs": {"positivity": {"avg": {"field": "positive"}}}}},
    }


def sentiments_query(period: Period) -> dict[str, Any]:
    return {
        "size": 0,
        "track_total_hits": False,
        "query": _query(*period_filter(period)),
        "aggs": {
            "weeks": {
                "date_histogram": WEEKLY,
                "aggs": {"sentiments": {"terms": {"field": "sentiment", "size": len(SENTIMENTS) + 5}}},
            }
        },
    }


# -- responses (pure) -----------------------------------------------------------------------------------
def _epoch_day(value: float) -> date:
    return datetime.fromtimestamp(value / 1000, UTC).date()


def _buckets(response: dict[str, Any], name: str) -> list[dict[str, Any]]:
    buckets: list[dict[str, Any]] = response.get("aggregations", {}).get(name, {}).get("buckets", [])
    return buckets


def _value(agg: dict[str, Any] | None) -> float | None:
    value = (agg or {}).get("value")
    return None if value is None else float(value)


def parse_span(response: dict[str, Any]) -> tuple[date, date] | None:
    aggs = response.get("aggregations", {})
    first, last = _value(aggs.get("first")), _value(aggs.get("last"))
    if first is None or last is None:
        return None
    return week_of(_epoch_day(first)), week_of(_epoch_day(last))


def parse_first_seen(response: dict[str, Any]) -> tuple[list[float], dict[str, Any] | None]:
    """(first-comment epoch millis per customer on this page, after_key for the next page or None)."""
    agg = response.get("aggregations", {}).get("customers", {})
    buckets = agg.get("buckets", [])
    firsts = [float(b["first"]["value"]) for b in buckets if b.get("first", {}).get("value") is not None]
    return firsts, (agg.get("after_key") if buckets else None)


def parse_weekly_counts(response: dict[str, Any], metric: str | None = None) -> dict[date, int]:
    """doc_count per weekly bucket, or the value of a single-value metric sub-aggregation."""
    return {
        _epoch_day(b["key"]): int(b[metric]["value"] if metric else b["doc_count"]) for b in _buckets(response, "weeks")
    }


def parse_escalations(response: dict[str, Any]) -> EscalationRows:
    recent = []
    for hit in response.get("hits", {}).get("hits", []):
        src = hit.get("_source", {})
        recent.append(
            Escalation(
                comment_id=str(src.get("commentId", hit.get("_id", ""))),
                design_id=str(src.get("designId", "")),
                designer=str(src.get("designer", "")),
                author=str(src.get("author", "")),
                submitted_at=str(src.get("submittedAt", "")),
                negative=float((src.get("scores") or {}).get("Negative", 0.0)),
            )
        )
    designs = [
        DesignCount(str(b["key"]), _top_key(b.get("designer")), int(b["doc_count"]))
        for b in _buckets(response, "designs")
    ]
    return EscalationRows(by_week=parse_weekly_counts(response), by_design=designs, recent=recent)


def _top_key(terms: dict[str, Any] | None) -> str:
    buckets = (terms or {}).get("buckets", [])
    return str(buckets[0]["key"]) if buckets else ""


def parse_designs(response: dict[str, Any]) -> list[DesignStats]:
    return [
        DesignStats(
            design_id=str(b["key"]),
            designer=_top_key(b.get("designer")),
            comments=int(b["doc_count"]),
            scored=int(b["scored"]["doc_count"]),
            positive=int(b["positive"]["doc_count"]),
            avg_positivity=_value(b["scored"].get("positivity")),
        )
        for b in _buckets(response, "designs")
    ]


def parse_designers(response: dict[str, Any]) -> list[DesignerStats]:
    return [
        DesignerStats(
            designer=str(b["key"]),
            comments=int(b["doc_count"]),
            scored=int(b["scored"]["doc_count"]),
            avg_positivity=_value(b["scored"].get("positivity")),
        )
        for b in _buckets(response, "designers")
    ]


def parse_positivity(response: dict[str, Any]) -> list[WeekPositivity]:
    return [
        WeekPositivity(_epoch_day(b["key"]), int(b["doc_count"]), _value(b.get("positivity")))
        for b in _buckets(response, "weeks")
        if b["doc_count"]
    ]


def parse_sentiments(response: dict[str, Any]) -> list[WeekSentiments]:
    weeks = []
    for bucket in _buckets(response, "weeks"):
        counts = {s: 0 for s in SENTIMENTS}
        for term in bucket.get("sentiments", {}).get("buckets", []):
            if term["key"] in counts:
                counts[term["key"]] = int(term["doc_count"])
        if bucket["doc_count"]:
            weeks.append(WeekSentiments(_epoch_day(bucket["key"]), counts))
    return weeks


def _reason(info: dict[str, Any]) -> str:
    error = info.get("error")
    if isinstance(error, dict):
        return f"{error.get('type', 'error')}: {error.get('reason', '')}".strip()
    return str(error or "unknown error")


# -- the adapter ------------------------------------------------------------------------------------------
class OpenSearchIndex(SearchIndex):
    def __init__(
        self,
        client: Any,
        *,
        max_retries: int = 5,
        initial_backoff: float = 0.5,
        max_backoff: float = 20.0,
        chunk_size: int = 500,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[float], float] | None = None,
    ) -> None:
        self.client = client
        self.max_retries, self.initial_backoff, self.max_backoff = max_retries, initial_backoff, max_backoff
        self.chunk_size = chunk_size
        self._sleep = sleep
        self._jitter = jitter or (lambda cap: random.uniform(0, cap))

    @classmethod
    def connect(cls, endpoint: str, region: str, **options: Any) -> OpenSearchIndex:
        """A client for an Amazon OpenSearch Service domain, SigV4-signed with the function's role.

        `http://` is accepted for a server on this machine only (the embedded stack's osmem-server): unsigned,
        since nothing leaves the host. Any other endpoint is reached over TLS and signed.
        """
        import boto3
        from opensearchpy import OpenSearch, RequestsAWSV4SignerAuth, RequestsHttpConnection

        if not endpoint:
            raise IndexingError("SEARCH_ENDPOINT (the OpenSearch endpoint) is not set")
        if endpoint.startswith("http://"):
            if urlsplit(endpoint).hostname not in LOOPBACK:
                raise IndexingError(f"plain http is for a server on this machine only, not {endpoint!r}")
            return cls(OpenSearch(hosts=[endpoint.rstrip("/")], timeout=30, pool_maxsize=10), **options)
        host = endpoint.removeprefix("https://").rstrip("/")
        session = boto3.Session()
        auth = RequestsAWSV4SignerAuth(session.get_credentials(), region or session.region_name, "es")
        client = OpenSearch(
            hosts=[{"host": host, "port": 443}],
            http_auth=auth,
            use_ssl=True,
            verify_certs=True,
            connection_class=RequestsHttpConnection,
            timeout=10,
            pool_maxsize=10,
        )
        return cls(client, **options)

    def apply_templates(self) -> list[str]:
        templates = index_templates()
        for name, body in templates.items():
            self.client.indices.put_index_template(name=name, body=body)
        return sorted(templates)

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))]."""
        return self._jitter(min(self.max_backoff, self.initial_backoff * 2 ** (attempt - 1)))

    # -- documents ------------------------------------------------------------------------------------
    def index(self, index: str, doc_id: str, document: dict[str, Any]) -> None:
        result = self.bulk(index, [(doc_id, document)])
        if result.failed:
            failure = result.failed[0]
            raise IndexingError(
                f"{index}/{doc_id}: {failure['status']} {failure['error']}",
                transient=transient_status(failure["status"]),
            )

    def _actions(self, index: str, pending: dict[str, dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for doc_id, document in pending.items():
            yield {"_op_type": "index", "_index": index, "_id": doc_id, "_source": document}

    def bulk(self, index: str, documents: list[tuple[str, dict[str, Any]]]) -> BulkResult:
        pending = dict(documents)  # a repeated id: the last one wins, as it would in one request
        result = BulkResult()
        for attempt in range(self.max_retries + 1):
            if attempt:
                self._sleep(self.backoff(attempt))
            rejected: dict[str, dict[str, Any]] = {}
            for ok, item in helpers.streaming_bulk(
                self.client,
                self._actions(index, pending),
                chunk_size=self.chunk_size,
                raise_on_error=False,
                raise_on_exception=False,
                max_retries=0,
            ):
                info = next(iter(item.values()))
                doc_id = str(info.get("_id", ""))
                status = info.get("status")
                if ok:
                    result.indexed += 1
                elif status == 429 and attempt < self.max_retries and doc_id in pending:
                    rejected[doc_id] = pending[doc_id]
                else:
                    result.failed.append(
                        {"id": doc_id, "status": status if isinstance(status, int) else None, "error": _reason(info)}
                    )
            if not rejected:
                break
            pending = rejected
        return result

    def get(self, index: str, doc_id: str) -> dict[str, Any] | None:
        try:
            found: dict[str, Any] = self.client.get(index=index, id=doc_id)
        except NotFoundError:
            return None
        return found.get("_source") if found.get("found", True) else None

    def delete(self, index: str, doc_id: str) -> None:
        with contextlib.suppress(NotFoundError):  # already gone: deleting is idempotent
            self.client.delete(index=index, id=doc_id)

    def count(self, index: str) -> int:
        try:
            return int(self.client.count(index=index)["count"])
        except NotFoundError:
            return 0

    def ids(self, index: str) -> list[str]:
        field = ID_FIELDS.get(index)
        if field is None:
            raise ValueError(f"no id field known for index {index!r}")
        found: list[str] = []
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {
                "size": 1000,
                "_source": False,
                "sort": [{field: "asc"}],
                "query": {"match_all": {}},
            }
            if after:
                body["search_after"] = after
            hits = self._search(index, body).get("hits", {}).get("hits", [])
            if not hits:
                return found
            found += [str(h["_id"]) for h in hits]
            after = hits[-1]["sort"]

    # -- insights -------------------------------------------------------------------------------------
    def _search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response: dict[str, Any] = self.client.search(index=index, body=body)
        except NotFoundError:  # no document was ever indexed: an empty answer, not an error
            return {}
        return response

    def comment_span(self, period: Period) -> tuple[date, date] | None:
        return parse_span(self._search(names.COMMENTS_INDEX, span_query(period)))

    def customer_rows(self, period: Period) -> CustomerRows:
        firsts: list[float] = []
        after: dict[str, Any] | None = None
        while True:
            page, after = parse_first_seen(self._search(names.COMMENTS_INDEX, first_seen_query(period, after)))
            firsts += page
            if not after:
                break
        new: dict[date, int] = {}
        before = 0
        since = period.since.timestamp() * 1000 if period.since else None
        for first in firsts:
            if since is not None and first < since:
                before += 1
            else:
                week = week_of(_epoch_day(first))
                new[week] = new.get(week, 0) + 1
        active = parse_weekly_counts(self._search(names.COMMENTS_INDEX, active_query(period)), metric="customers")
        return CustomerRows(new_by_week=new, before=before, active_by_week=active)

    def escalation_rows(self, period: Period, rule: EscalationRule, top: int, recent: int) -> EscalationRows:
        return parse_escalations(self._search(names.COMMENTS_INDEX, escalation_query(period, rule, top, recent)))

    def design_stats(self, period: Period, top: int) -> list[DesignStats]:
        return parse_designs(self._search(names.COMMENTS_INDEX, designs_query(period, top)))

    def designer_stats(self, period: Period) -> list[DesignerStats]:
        return parse_designers(self._search(names.COMMENTS_INDEX, designers_query(period)))

    def weekly_positivity(self, period: Period) -> list[WeekPositivity]:
        return parse_positivity(self._search(names.COMMENTS_INDEX, positivity_query(period)))

    def weekly_sentiments(self, period: Period) -> list[WeekSentiments]:
        return parse_sentiments(self._search(names.COMMENTS_INDEX, sentiments_query(period)))
