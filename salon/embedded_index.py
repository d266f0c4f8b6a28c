"""Embedded search index on DuckDB: the local stack's adapter of SearchIndex (see docs/decisions.md).

Comments live in a typed, columnar table (the insights aggregate over it: one scan per question, vectorised,
well under 0.5 s at a million comments); every other index is a plain (index, id) -> JSON table. Both keep the
whole document, so `get` returns exactly what was indexed, and both upsert by id, so replays overwrite.

Concurrency: the stack's Lambda threads share one DuckDB database per file (one cursor per thread). Writes are
serialised per file (concurrent upserts of one key would otherwise conflict) and grouped: whoever gets the turn
writes every document waiting for it in one statement per table and one transaction (a write's cost is mostly
per statement, so 40 waiting writers cost about what one does). Reads run in parallel. DuckDB locks the file
for one process: other processes read through the API.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import numpy as np

from functions import names
from functions.domain.insights import SENTIMENTS, parse_instant
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

T = TypeVar("T")
_LOCKS_GUARD = threading.Lock()
CONFLICT_ATTEMPTS = 5
# How long a write waits for its turn before it answers "busy" (transient, as OpenSearch's 429 is), so that a
# backlog of writers is spread by the callers' backoff instead of queueing past their own timeouts.
WRITE_WAIT_SECONDS = 15.0

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS documents (idx VARCHAR NOT NULL, id VARCHAR NOT NULL, body VARCHAR NOT NULL,"
    " PRIMARY KEY (idx, id))",
    "CREATE TABLE IF NOT EXISTS comments ("
    " id VARCHAR PRIMARY KEY,"
    " submitted TIMESTAMP NOT NULL,"  # submittedAt in UTC
    " design VARCHAR, designer VARCHAR, author VARCHAR,"  # author = authorSub: one customer, one id
    " sentiment VARCHAR, scored BOOLEAN NOT NULL,"
    " positive DOUBLE,"  # Comprehend's Positive score (the `positive` field)
    " negative DOUBLE,"  # scores.Negative, for the escalation rule
    " body VARCHAR NOT NULL)",
    # Each customer's first comment ever, kept exact on every write (recomputed for the customers a write
    # touches), so "new customers per week" reads 10^5 rows instead of grouping 10^6 comments.
    "CREATE TABLE IF NOT EXISTS customers (author VARCHAR PRIMARY KEY, first TIMESTAMP NOT NULL)",
)
COMMENT_COLUMNS = (
    "id",
    "submitted",
    "design",
    "designer",
    "author",
    "sentiment",
    "scored",
    "positive",
    "negative",
    "body",
)
UPSERT_COMMENTS = (
    "INSERT INTO comments SELECT id, submitted, design, designer, author, sentiment, scored, positive::DOUBLE,"
    " negative::DOUBLE, body FROM {view} ON CONFLICT (id) DO UPDATE SET submitted = excluded.submitted,"
    " design = excluded.design, designer = excluded.designer, author = excluded.author,"
    " sentiment = excluded.sentiment, scored = excluded.scored, positive = excluded.positive,"
    " negative = excluded.negative, body = excluded.body"
)
UPSERT_DOCUMENTS = (
    "INSERT INTO documents SELECT idx, id, body FROM {view} ON CONFLICT (idx, id) DO UPDATE SET body = excluded.body"
)
WEEK = "CAST(date_trunc('week', submitted) AS DATE)"
TOUCHED = "touched_customers"
REFRESH_CUSTOMERS = (
    f"INSERT INTO customers SELECT author, min(submitted) FROM comments WHERE author IN (SELECT author FROM {TOUCHED})"
    " GROUP BY author ON CONFLICT (author) DO UPDATE SET first = excluded.first",
    f"DELETE FROM customers WHERE author IN (SELECT author FROM {TOUCHED}) AND author NOT IN"
    f" (SELECT author FROM comments WHERE author IN (SELECT author FROM {TOUCHED}))",
)


@dataclass(eq=False)
class _PendingWrite:
    """Rows one caller asked to upsert, waiting for a turn; the writer that takes them fills in the outcome."""

    index: str
    rows: list[tuple[Any, ...]]
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


@dataclass(eq=False)
class _FileWriter:
    """One per index file: the write turn, and the upserts waiting for it (oldest first)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    guard: threading.Lock = field(default_factory=threading.Lock)
    pending: list[_PendingWrite] = field(default_factory=list)

    def take_pending(self) -> list[_PendingWrite]:
        with self.guard:
            taken, self.pending = self.pending, []
        return taken

    def withdraw(self, write: _PendingWrite) -> bool:
        """Removes a write nobody has taken yet; False if a writer already has it."""
        with self.guard:
            if write in self.pending:
                self.pending.remove(write)
                return True
        return False


_WRITERS: dict[str, _FileWriter] = {}


def _file_writer(path: Path) -> _FileWriter:
    with _LOCKS_GUARD:
        return _WRITERS.setdefault(str(path.resolve()), _FileWriter())


def _text(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{field} must be a string, not {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate: JSON can carry it, a DuckDB VARCHAR cannot
        raise ValueError(f"{field} is not valid Unicode ({exc.reason} at {exc.start})") from exc
    return value


def _number(value: Any, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{field} must be a finite number, not {value!r}")
    return float(value)


def comment_row(doc_id: str, document: dict[str, Any]) -> tuple[Any, ...]:
    """The typed row for a comment document; ValueError names the field that does not fit the mapping
    (the embedded counterpart of OpenSearch's mapper_parsing_exception)."""
    submitted = document.get("submittedAt")
    if not isinstance(submitted, str):
        raise ValueError("submittedAt is required (an ISO 8601 timestamp)")
    try:
        moment = parse_instant(submitted).replace(tzinfo=None)
    except ValueError as exc:
        raise ValueError(f"submittedAt is not an ISO 8601 timestamp: {submitted!r}") from exc
    scores = document.get("scores") or {}
    if not isinstance(scores, dict):
        raise ValueError("scores must be an object")
    scored = document.get("scored", 0)
    if scored not in (0, 1):
        raise ValueError(f"scored must be 0 or 1, not {scored!r}")
    return (
        _text(doc_id, "id"),
        moment,
        _text(document.get("designId"), "designId"),
        _text(document.get("designer"), "designer"),
        _text(document.get("authorSub"), "authorSub"),
        _text(document.get("sentiment"), "sentiment"),
        bool(scored),
        _number(document.get("positive"), "positive"),
        _number(scores.get("Negative"), "scores.Negative"),
        json.dumps(document, sort_keys=True),
    )


def _columns(rows: list[tuple[Any, ...]], names_: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Rows as named numpy columns, the shape DuckDB scans without a copy per value."""
    columns: dict[str, np.ndarray] = {}
    for i, name in enumerate(names_):
        values = [row[i] for row in rows]
        if name == "submitted":
            columns[name] = np.array(values, dtype="datetime64[us]")
        elif name == "scored":
            columns[name] = np.array(values, dtype=bool)
        else:
            columns[name] = np.array(values, dtype=object)
    return columns


class EmbeddedIndex(SearchIndex):
    def __init__(self, path: str | Path, read_only: bool = False, write_wait: float = WRITE_WAIT_SECONDS) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.write_wait = write_wait
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._root = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:  # held by another process, not a DuckDB file, ...
            raise IndexingError(f"cannot open the embedded index {self.path}: {exc}", transient=True) from exc
        self._local = threading.local()
        self._writer = _file_writer(self.path)
        self._lock = self._writer.lock
        if not read_only:
            with self._lock:
                for ddl in SCHEMA:
                    self._root.execute(ddl)

    # -- plumbing ----------------------------------------------------------------------------------
    def _db(self) -> duckdb.DuckDBPyConnection:
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._local.cursor = self._root.cursor()
        return cursor

    def _rows(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return self._db().execute(sql, params or []).fetchall()

    def _busy(self) -> IndexingError:
        return IndexingError(
            f"embedded index {self.path.name} busy: no turn to write within {self.write_wait:g} s (429)",
            transient=True,
        )

    def _write(self, action: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """Runs a write in one transaction, serialised per file."""
        if not self._lock.acquire(timeout=self.write_wait):
            raise self._busy()
        try:
            return self._transaction(action)
        finally:
            self._lock.release()

    def _transaction(self, action: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """One transaction, with the write turn held; DuckDB's optimistic conflicts are retried."""
        db = self._db()
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            db.execute("BEGIN TRANSACTION")
            try:
                result = action(db)
                db.execute("COMMIT")
                return result
            except (duckdb.TransactionException, duckdb.ConstraintException):
                db.execute("ROLLBACK")
                if attempt == CONFLICT_ATTEMPTS:
                    raise
            except BaseException:
                db.execute("ROLLBACK")
                raise
            time.sleep(0.01 * attempt)
        raise AssertionError("unreachable")

    def _upsert(self, index: str, rows: list[tuple[Any, ...]]) -> None:
        """Queues the rows and waits until a writer (this caller or another) has committed them."""
        mine = _PendingWrite(index, rows)
        with self._writer.guard:
            self._writer.pending.append(mine)
        if not self._lock.acquire(timeout=self.write_wait):
            if self._writer.withdraw(mine):
                raise self._busy()
            if not mine.done.wait(self.write_wait):  # the turn's holder has it: its transaction is under way
                raise self._busy()
        else:
            try:
                if not mine.done.is_set():  # still queued (only the turn's holder takes writes): write them all
                    self._write_pending(self._writer.take_pending())
            finally:
                self._lock.release()
        if mine.error is not None:
            raise mine.error

    def _write_pending(self, writes: list[_PendingWrite]) -> None:
        """Writes the queued upserts in one transaction; if that fails, each on its own, so that one
        caller's failure is not another's."""
        try:
            self._transaction(lambda db: self._upsert_rows(db, writes))
        except Exception as exc:
            if len(writes) == 1:
                writes[0].error = exc
            else:
                for write in writes:
                    try:
                        self._transaction(lambda db, one=write: self._upsert_rows(db, [one]))  # type: ignore[misc]
                    except Exception as own:
                        write.error = own
        finally:
            for write in writes:
                write.done.set()

    def _upsert_rows(self, db: duckdb.DuckDBPyConnection, writes: list[_PendingWrite]) -> None:
        comments: dict[str, tuple[Any, ...]] = {}  # by id: a later write of one id wins, as it would in turn
        documents: dict[tuple[str, str], tuple[Any, ...]] = {}
        for write in writes:
            for row in write.rows:
                if write.index == names.COMMENTS_INDEX:
                    comments[row[0]] = row
                else:
                    documents[(row[0], row[1])] = row
        if documents:
            with self._view(db, _columns(list(documents.values()), ("idx", "id", "body"))) as view:
                db.execute(UPSERT_DOCUMENTS.format(view=view))
        if comments:
            with self._view(db, _columns(list(comments.values()), COMMENT_COLUMNS)) as view:
                # the customers whose first comment may change: the new authors and the rows' old ones
                db.execute(
                    f"CREATE OR REPLACE TEMP TABLE {TOUCHED} AS SELECT author FROM {view}"
                    f" WHERE author IS NOT NULL UNION SELECT c.author FROM comments c"
                    f" JOIN {view} b ON c.id = b.id WHERE c.author IS NOT NULL"
                )
                db.execute(UPSERT_COMMENTS.format(view=view))
            self._refresh_customers(db)

    @contextmanager
    def _view(self, db: duckdb.DuckDBPyConnection, columns: dict[str, np.ndarray]) -> Iterator[str]:
        view = f"batch_{threading.get_ident()}"
        db.register(view, columns)
        try:
            yield view
        finally:
            # when the statement failed, it aborted the transaction: keep its error, not unregister's
            with suppress(duckdb.TransactionException):
                db.unregister(view)

    # -- documents ---------------------------------------------------------------------------------
    def index(self, index: str, doc_id: str, document: dict[str, Any]) -> None:
        result = self.bulk(index, [(doc_id, document)])
        if result.failed:
            failure = result.failed[0]
            raise IndexingError(
                f"{index}/{doc_id}: {failure['status']} {failure['error']}",
                transient=transient_status(failure["status"]),
            )

    def bulk(self, index: str, documents: list[tuple[str, dict[str, Any]]]) -> BulkResult:
        latest = dict(documents)  # a repeated id in one batch: the last one wins, as in a bulk request
        result, rows = BulkResult(), []
        for doc_id, document in latest.items():
            try:
                if index == names.COMMENTS_INDEX:
                    rows.append(comment_row(doc_id, document))
                else:
                    rows.append((index, _text(doc_id, "id"), json.dumps(document, sort_keys=True)))
            except (TypeError, ValueError) as exc:
                result.failed.append({"id": doc_id, "status": 400, "error": f"mapper_parsing_exception: {exc}"})
        if rows:
            self._upsert(index, rows)
            result.indexed = len(rows)
        return result

    @staticmethod
    def _refresh_customers(db: duckdb.DuckDBPyConnection) -> None:
        for statement in REFRESH_CUSTOMERS:
            db.execute(statement)
        db.execute(f"DROP TABLE {TOUCHED}")

    def get(self, index: str, doc_id: str) -> dict[str, Any] | None:
        if index == names.COMMENTS_INDEX:
            found = self._rows("SELECT body FROM comments WHERE id = ?", [doc_id])
        else:
            found = self._rows("SELECT body FROM documents WHERE idx = ? AND id = ?", [index, doc_id])
        return json.loads(found[0][0]) if found else None

    def delete(self, index: str, doc_id: str) -> None:
        if index == names.COMMENTS_INDEX:

            def write(db: duckdb.DuckDBPyConnection) -> None:
                db.execute(
                    f"CREATE OR REPLACE TEMP TABLE {TOUCHED} AS SELECT author FROM comments WHERE id = ?", [doc_id]
                )
                db.execute("DELETE FROM comments WHERE id = ?", [doc_id])
                self._refresh_customers(db)

            self._write(write)
        else:
            self._write(lambda db: db.execute("DELETE FROM documents WHERE idx = ? AND id = ?", [index, doc_id]))

    def count(self, index: str) -> int:
        if index == names.COMMENTS_INDEX:
            return int(self._rows("SELECT count(*) FROM comments")[0][0])
        return int(self._rows("SELECT count(*) FROM documents WHERE idx = ?", [index])[0][0])

    def ids(self, index: str) -> list[str]:
        if index == names.COMMENTS_INDEX:
            return [r[0] for r in self._rows("SELECT id FROM comments ORDER BY id")]
        return [r[0] for r in self._rows("SELECT id FROM documents WHERE idx = ? ORDER BY id", [index])]

    # -- insights ----------------------------------------------------------------------------------
    @staticmethod
    def _where(period: Period, *conditions: str) -> tuple[str, list[Any]]:
        clauses, params = list(conditions), []
        if period.since:
            clauses.append("submitted >= ?")
            params.append(period.since.replace(tzinfo=None))
        if period.before:
            clauses.append("submitted < ?")
            params.append(period.before.replace(tzinfo=None))
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def comment_span(self, period: Period) -> tuple[date, date] | None:
        where, params = self._where(period)
        first, last = self._rows(f"SELECT min(submitted), max(submitted) FROM comments{where}", params)[0]
        if first is None:
            return None
        return _monday(first), _monday(last)

    def customer_rows(self, period: Period) -> CustomerRows:
        # A customer's first comment up to the period's end is their first comment ever, if it is before the end.
        since = period.since.replace(tzinfo=None) if period.since else None
        before = period.before.replace(tzinfo=None) if period.before else None
        firsts = self._rows(
            "SELECT CASE WHEN ? IS NOT NULL AND first < ? THEN NULL ELSE CAST(date_trunc('week', first) AS DATE) END"
            " AS week, count(*) FROM customers WHERE ? IS NULL OR first < ? GROUP BY week",
            [since, since, before, before],
        )
        where, params = self._where(period, "author IS NOT NULL")
        active = self._rows(f"SELECT {WEEK} AS week, count(DISTINCT author) FROM comments{where} GROUP BY week", params)
        return CustomerRows(
            new_by_week={w: int(n) for w, n in firsts if w is not None},
            before=sum(int(n) for w, n in firsts if w is None),
            active_by_week={w: int(n) for w, n in active},
        )

    def escalation_rows(self, period: Period, rule: EscalationRule, top: int, recent: int) -> EscalationRows:
        where, params = self._where(period, "sentiment = ?", "negative >= ?")
        params = [rule.sentiment, rule.min_negative, *params]
        weeks = self._rows(f"SELECT {WEEK} AS week, count(*) FROM comments{where} GROUP BY week", params)
        designs = self._rows(
            f"SELECT design, min(designer), count(*) AS n FROM comments{where} AND design IS NOT NULL"
            " GROUP BY design ORDER BY n DESC, design ASC LIMIT ?",
            [*params, top],
        )
        latest = (
            self._rows(f"SELECT body FROM comments{where} ORDER BY submitted DESC, id DESC LIMIT ?", [*params, recent])
            if recent
            else []
        )
        return EscalationRows(
            by_week={w: int(n) for w, n in weeks},
            by_design=[DesignCount(d, s or "", int(n)) for d, s, n in designs],
            recent=[_escalation(json.loads(body)) for (body,) in latest],
        )

    def design_stats(self, period: Period, top: int) -> list[DesignStats]:
        where, params = self._where(period, "design IS NOT NULL")
        rows = self._rows(
            "SELECT design, min(designer), count(*) AS n, count(*) FILTER (WHERE scored),"
            " count(*) FILTER (WHERE sentiment = 'POSITIVE'), avg(positive) FILTER (WHERE scored)"
            f" FROM comments{where} GROUP BY design ORDER BY n DESC, design ASC LIMIT ?",
            [*params, top],
        )
        return [DesignStats(d, s or "", int(n), int(k), int(p), _float(a)) for d, s, n, k, p, a in rows]

    def designer_stats(self, period: Period) -> list[DesignerStats]:
        where, params = self._where(period, "designer IS NOT NULL")
        rows = self._rows(
            "SELECT designer, count(*), count(*) FILTER (WHERE scored), avg(positive) FILTER"
            f" (WHERE scored) FROM comments{where} GROUP BY designer ORDER BY designer",
            params,
        )
        return [DesignerStats(d, int(n), int(k), _float(a)) for d, n, k, a in rows]

    def weekly_positivity(self, period: Period) -> list[WeekPositivity]:
        where, params = self._where(period, "scored")
        rows = self._rows(
            f"SELECT {WEEK} AS week, count(*), avg(positive) FROM comments{where} GROUP BY week ORDER BY week", params
        )
        return [WeekPositivity(w, int(n), _float(a)) for w, n, a in rows]

    def weekly_sentiments(self, period: Period) -> list[WeekSentiments]:
        where, params = self._where(period)
        rows = self._rows(
            f"SELECT {WEEK} AS week, sentiment, count(*) FROM comments{where} GROUP BY week, sentiment ORDER BY week",
            params,
        )
        weeks: dict[date, dict[str, int]] = {}
        for week, sentiment, n in rows:
            if sentiment in SENTIMENTS:
                weeks.setdefault(week, {s: 0 for s in SENTIMENTS})[sentiment] = int(n)
        return [WeekSentiments(w, c) for w, c in weeks.items()]


def _monday(moment: datetime) -> date:
    day = moment.date()
    return date.fromordinal(day.toordinal() - day.weekday())


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _escalation(doc: dict[str, Any]) -> Escalation:
    return Escalation(
        comment_id=str(doc.get("commentId", "")),
        design_id=str(doc.get("designId", "")),
        designer=str(doc.get("designer", "")),
        author=str(doc.get("author", "")),
        submitted_at=str(doc.get("submittedAt", "")),
        negative=float((doc.get("scores") or {}).get("Negative", 0.0)),
    )
