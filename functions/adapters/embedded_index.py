"""Embedded search index on SQLite (standard library): the local stack's adapter of SearchIndex."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from functions.ports import BulkResult, SearchIndex


class EmbeddedIndex(SearchIndex):
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._db() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS docs (idx TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,"
                       " PRIMARY KEY (idx, id)) WITHOUT ROWID")

    def _db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self._local.conn = conn
        return conn

    def index(self, index: str, doc_id: str, document: dict[str, Any]) -> None:
        self._db().execute("INSERT INTO docs (idx, id, body) VALUES (?, ?, ?) "
                           "ON CONFLICT (idx, id) DO UPDATE SET body = excluded.body",
                           (index, doc_id, json.dumps(document, sort_keys=True)))

    def bulk(self, index: str, documents: list[tuple[str, dict[str, Any]]]) -> BulkResult:
        db, result = self._db(), BulkResult()
        db.execute("BEGIN")
        try:
            for doc_id, document in documents:
                try:
                    self.index(index, doc_id, document)
                    result.indexed += 1
                except (TypeError, ValueError) as exc:
                    result.failed.append({"id": doc_id, "status": 400, "error": str(exc)})
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return result

    def get(self, index: str, doc_id: str) -> dict[str, Any] | None:
        row = self._db().execute("SELECT body FROM docs WHERE idx = ? AND id = ?", (index, doc_id)).fetchone()
        return json.loads(row[0]) if row else None

    def delete(self, index: str, doc_id: str) -> None:
        self._db().execute("DELETE FROM docs WHERE idx = ? AND id = ?", (index, doc_id))

    def count(self, index: str) -> int:
        return int(self._db().execute("SELECT COUNT(*) FROM docs WHERE idx = ?", (index,)).fetchone()[0])

    def ids(self, index: str) -> list[str]:
        return [r[0] for r in self._db().execute("SELECT id FROM docs WHERE idx = ? ORDER BY id", (index,))]
