"""A stand-in for an OpenSearch server, below the real opensearch-py client (no OpenSearch can run here).

`Wire` replaces only the HTTP connection: the client, its serializer, its error mapping and the bulk helpers
are the real ones. `FakeOpenSearch` answers the REST calls the adapter makes (_bulk, _search, _count, _doc,
_index_template) with the response shapes the OpenSearch documentation gives, and evaluates the small part of
the query DSL the adapter uses (bool/filter with term and range; min, max, avg, cardinality, filter, terms,
composite and date_histogram aggregations; sort, search_after, _source). It refuses to filter or aggregate on
a field the index template does not map as keyword, number or date, as OpenSearch would (a text field or an
unmapped one cannot be aggregated), so a query on the wrong field fails here too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from opensearchpy import Connection, OpenSearch

from functions.adapters.opensearch_index import index_templates

Handler = Callable[[str, str, Any], tuple[int, Any]]


class Wire(Connection):
    def __init__(self, server: Handler | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.server = server

    def perform_request(
        self,
        method: str,
        url: str,
        params: Any = None,
        body: Any = None,
        timeout: Any = None,
        ignore: Any = (),
        headers: Any = None,
    ) -> tuple[int, dict[str, str], str]:
        assert self.server is not None
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        status, payload = self.server(method, url.split("?")[0], text)
        raw = json.dumps(payload)
        if not 200 <= status < 300 and status not in (ignore or ()):
            self._raise_error(status, raw, "application/json")
        return status, {"content-type": "application/json"}, raw


def client_for(server: Handler) -> OpenSearch:
    return OpenSearch(
        hosts=[{"host": "search-salon.example", "port": 443}], connection_class=Wire, server=server, max_retries=0
    )


def _flatten(properties: dict[str, Any], prefix: str = "") -> dict[str, str]:
    fields = {}
    for name, spec in properties.items():
        if "properties" in spec:
            fields.update(_flatten(spec["properties"], f"{prefix}{name}."))
        else:
            fields[f"{prefix}{name}"] = spec["type"]
    return fields


def _millis(value: Any) -> float:
    if isinstance(value, int | float):
        return float(value)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp() * 1000


def _iso(millis: float) -> str:
    return datetime.fromtimestamp(millis / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class BadRequest(Exception):
    pass


class FakeOpenSearch:
    def __init__(self) -> None:
        self.indices: dict[str, dict[str, dict[str, Any]]] = {}
        self.templates: dict[str, Any] = {}
        self.requests: list[tuple[str, str, Any]] = []
        self.mappings = {
            t["index_patterns"][0]: _flatten(t["template"]["mappings"]["properties"])
            for t in index_templates().values()
        }
        self.bulk_status: Callable[[str, int], tuple[int, dict[str, Any] | None]] = lambda doc_id, attempt: (201, None)
        self.bulk_attempts: dict[str, int] = {}
        self.whole_bulk_status: list[int] = []  # statuses for whole _bulk requests, consumed first

    # -- REST ----------------------------------------------------------------------------------------
    def __call__(self, method: str, url: str, body: str | None) -> tuple[int, Any]:
        parsed = None if body is None or url.endswith("_bulk") else json.loads(body)
        self.requests.append((method, url, parsed if parsed is not None else body))
        parts = url.strip("/").split("/")
        try:
            if parts == ["_bulk"]:
                return self._bulk(body or "")
            if parts[0] == "_index_template":
                self.templates[parts[1]] = parsed
                return 200, {"acknowledged": True}
            index, op = parts[0], parts[1]
            docs = self.indices.get(index)
            if docs is None:
                return 404, {
                    "error": {"type": "index_not_found_exception", "reason": f"no such index [{index}]"},
                    "status": 404,
                }
            if op == "_search":
                return 200, self._search(index, docs, parsed or {})
            if op == "_count":
                return 200, {"count": len(docs), "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0}}
            if op == "_doc":
                doc_id = parts[2]
                if method == "DELETE":
                    found = docs.pop(doc_id, None)
                    return (200 if found else 404), {
                        "_index": index,
                        "_id": doc_id,
                        "result": "deleted" if found else "not_found",
                    }
                if doc_id not in docs:
                    return 404, {"_index": index, "_id": doc_id, "found": False}
                return 200, {"_index": index, "_id": doc_id, "found": True, "_source": docs[doc_id]}
        except BadRequest as exc:
            return 400, {"error": {"type": "illegal_argument_exception", "reason": str(exc)}, "status": 400}
        raise AssertionError(f"unexpected request {method} {url}")

    def _bulk(self, body: str) -> tuple[int, Any]:
        if self.whole_bulk_status:
            status = self.whole_bulk_status.pop(0)
            if status != 200:
                return status, {
                    "error": {"type": "es_rejected_execution_exception", "reason": "rejected"},
                    "status": status,
                }
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        items, errors = [], False
        for action, source in zip(lines[0::2], lines[1::2], strict=True):
            meta = action["index"]
            doc_id, index = meta["_id"], meta["_index"]
            attempt = self.bulk_attempts[doc_id] = self.bulk_attempts.get(doc_id, 0) + 1
            status, error = self.bulk_status(doc_id, attempt)
            item: dict[str, Any] = {"_index": index, "_id": doc_id, "status": status}
            if error:
                item["error"] = error
                errors = True
            else:
                existed = doc_id in self.indices.setdefault(index, {})
                self.indices[index][doc_id] = source
                item.update(
                    {
                        "_version": attempt,
                        "result": "updated" if existed else "created",
                        "_shards": {"total": 1, "successful": 1, "failed": 0},
                    }
                )
            items.append({"index": item})
        return 200, {"took": 3, "errors": errors, "items": items}

    # -- search ----------------------------------------------------------------------------------------
    def _field(self, index: str, field: str, kinds: tuple[str, ...]) -> str:
        kind = self.mappings.get(index, {}).get(field)
        if kind is None:
            raise BadRequest(f"field [{field}] is not mapped in [{index}]")
        if kind not in kinds:
            raise BadRequest(f"field [{field}] of type [{kind}] cannot be used here")
        return kind

    def _get(self, doc: dict[str, Any], field: str) -> Any:
        value: Any = doc
        for part in field.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    def _matches(self, index: str, doc: dict[str, Any], query: dict[str, Any]) -> bool:
        if "match_all" in query:
            return True
        if "bool" in query:
            return all(self._matches(index, doc, q) for q in query["bool"].get("filter", []))
        if "term" in query:
            ((field, value),) = query["term"].items()
            self._field(index, field, ("keyword", "byte", "integer", "long"))
            return bool(self._get(doc, field) == value)
        if "range" in query:
            ((field, bounds),) = query["range"].items()
            kind = self._field(index, field, ("date", "double", "float", "byte", "integer", "long"))
            value = self._get(doc, field)
            if value is None:
                return False
            convert = _millis if kind == "date" else float
            value = convert(value)
            return all(
                {
                    "gte": value >= convert(b),
                    "gt": value > convert(b),
                    "lte": value <= convert(b),
                    "lt": value < convert(b),
                }[op]
                for op, b in bounds.items()
            )
        raise AssertionError(f"query not supported by the fake: {query}")

    def _search(self, index: str, docs: dict[str, dict[str, Any]], body: dict[str, Any]) -> dict[str, Any]:
        hits = [(doc_id, doc) for doc_id, doc in docs.items() if self._matches(index, doc, body.get("query", {}))]
        response: dict[str, Any] = {
            "took": 2,
            "timed_out": False,
            "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
        }
        sort = body.get("sort", [])
        for spec in reversed(sort):
            ((field, order),) = spec.items()
            self._field(index, field, ("keyword", "date", "double"))
            hits.sort(key=lambda h, f=field: self._get(h[1], f), reverse=order == "desc")
        if "search_after" in body:
            field = next(iter(sort[0]))
            hits = [h for h in hits if self._get(h[1], field) > body["search_after"][0]]
        shown = []
        for doc_id, doc in hits[: body.get("size", 10)]:
            hit: dict[str, Any] = {"_index": index, "_id": doc_id, "_score": None}
            wanted = body.get("_source", True)
            if wanted is not False:
                hit["_source"] = doc if wanted is True else self._pick(doc, wanted)
            if sort:
                hit["sort"] = [self._get(doc, next(iter(s))) for s in sort]
            shown.append(hit)
        total = {"value": len(hits), "relation": "eq"}
        response["hits"] = {"total": total, "max_score": None, "hits": shown}
        if "aggs" in body:
            response["aggregations"] = self._aggs(index, [d for _, d in hits], body["aggs"])
        return response

    def _pick(self, doc: dict[str, Any], fields: list[str]) -> dict[str, Any]:
        picked: dict[str, Any] = {}
        for field in fields:
            value = self._get(doc, field)
            if value is None:
                continue
            target = picked
            *parents, leaf = field.split(".")
            for parent in parents:
                target = target.setdefault(parent, {})
            target[leaf] = value
        return picked

    def _aggs(self, index: str, docs: list[dict[str, Any]], aggs: dict[str, Any]) -> dict[str, Any]:
        return {name: self._agg(index, docs, spec) for name, spec in aggs.items()}

    def _agg(self, index: str, docs: list[dict[str, Any]], spec: dict[str, Any]) -> dict[str, Any]:
        kind = next(k for k in spec if k != "aggs")
        handlers = {
            "min": self._metric,
            "max": self._metric,
            "avg": self._metric,
            "cardinality": self._cardinality,
            "filter": self._filter,
            "terms": self._terms,
            "composite": self._composite,
            "date_histogram": self._date_histogram,
        }
        if kind not in handlers:
            raise AssertionError(f"aggregation not supported by the fake: {kind}")
        return handlers[kind](index, docs, kind, spec[kind], spec.get("aggs", {}))

    def _bucket(
        self,
        index: str,
        key: Any,
        members: list[dict[str, Any]],
        subs: dict[str, Any],
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        return {"key": key, **(extra or {}), "doc_count": len(members), **self._aggs(index, members, subs)}

    def _groups(self, index: str, docs: list[dict[str, Any]], field: str) -> dict[Any, list[dict[str, Any]]]:
        self._field(index, field, ("keyword",))
        groups: dict[Any, list[dict[str, Any]]] = {}
        for d in docs:
            if self._get(d, field) is not None:
                groups.setdefault(self._get(d, field), []).append(d)
        return groups

    def _metric(
        self, index: str, docs: list[dict[str, Any]], kind: str, params: dict[str, Any], subs: dict[str, Any]
    ) -> dict[str, Any]:
        field_kind = self._field(index, params["field"], ("date", "double", "float", "byte"))
        values = [self._get(d, params["field"]) for d in docs]
        numbers = [(_millis(v) if field_kind == "date" else float(v)) for v in values if v is not None]
        if not numbers:
            return {"value": None}
        value = {"min": min, "max": max, "avg": lambda xs: sum(xs) / len(xs)}[kind](numbers)
        return {"value": value, **({"value_as_string": _iso(value)} if field_kind == "date" else {})}

    def _cardinality(
        self, index: str, docs: list[dict[str, Any]], kind: str, params: dict[str, Any], subs: dict[str, Any]
    ) -> dict[str, Any]:
        return {"value": len(self._groups(index, docs, params["field"]))}

    def _filter(
        self, index: str, docs: list[dict[str, Any]], kind: str, params: dict[str, Any], subs: dict[str, Any]
    ) -> dict[str, Any]:
        members = [d for d in docs if self._matches(index, d, params)]
        return {"doc_count": len(members), **self._aggs(index, members, subs)}

    def _terms(
        self, index: str, docs: list[dict[str, Any]], kind: str, params: dict[str, Any], subs: dict[str, Any]
    ) -> dict[str, Any]:
        groups = self._groups(index, docs, params["field"])
        order = params.get("order", [{"_count": "desc"}, {"_key": "asc"}])
        order = order if isinstance(order, list) else [order]
        keys = sorted(groups)
        for criterion in reversed(order):  # stable sorts: the last criterion first
            ((what, direction),) = criterion.items()
            keys.sort(key=lambda k, w=what: len(groups[k]) if w == "_count" else k, reverse=direction == "desc")
        size = params.get("size", 10)
        return {
            "doc_count_error_upper_bound": 0,
            "sum_other_doc_count": sum(len(groups[k]) for k in keys[size:]),
            "buckets": [self._bucket(index, k, groups[k], subs) for k in keys[:size]],
        }

    def _composite(
        self, index: str, docs: list[dict[str, Any]], kind: str, params: dict[str, Any], subs: dict[str, Any]
    ) -> dict[str, Any]:
        ((source_name, source),) = params["sources"][0].items()
        groups = self._groups(index, docs, source["terms"]["field"])
        keys = sorted(groups)
        if "after" in params:
            keys = [k for k in keys if k > params["after"][source_name]]
        shown = keys[: params.get("size", 10)]
        result: dict[str, Any] = {"buckets": [self._bucket(index, {source_name: k}, groups[k], subs) for k in shown]}
        if shown:
            result["after_key"] = {source_name: shown[-1]}
        return result

    def _date_histogram(
        self, index: str, docs: list[dict[str, Any]], kind: str, params: dict[str, Any], subs: dict[str, Any]
    ) -> dict[str, Any]:
        self._field(index, params["field"], ("date",))
        assert params["calendar_interval"] == "week", params
        weeks: dict[float, list[dict[str, Any]]] = {}
        for d in docs:
            moment = datetime.fromtimestamp(_millis(self._get(d, params["field"])) / 1000, UTC)
            monday = datetime(moment.year, moment.month, moment.day, tzinfo=UTC) - timedelta(days=moment.weekday())
            weeks.setdefault(monday.timestamp() * 1000, []).append(d)
        keys = sorted(weeks)
        if params.get("min_doc_count", 1) == 0 and keys:
            keys = [keys[0] + 604_800_000 * i for i in range(int((keys[-1] - keys[0]) / 604_800_000) + 1)]
        return {
            "buckets": [self._bucket(index, int(k), weeks.get(k, []), subs, {"key_as_string": _iso(k)}) for k in keys]
        }
