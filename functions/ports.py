"""Ports: the small abstract interfaces the domain depends on. Adapters live in functions/adapters/."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from functions.domain.insights import (
    CustomerRows,
    DesignerStats,
    DesignStats,
    EscalationRows,
    EscalationRule,
    Period,
    WeekPositivity,
    WeekSentiments,
)


class UploadSigner(ABC):
    """Signs browser uploads: S3 presigned POSTs on AWS and on the embedded stack alike."""

    @abstractmethod
    def presigned_post(
        self, key: str, fields: dict[str, str], conditions: list[Any], expires_in: int
    ) -> dict[str, Any]:
        """{"url", "fields"}: a form that may upload exactly `key`, under `conditions`, for `expires_in` s."""


@dataclass
class BulkResult:
    """Outcome of a bulk write: every document is either indexed or listed as failed, never dropped."""

    indexed: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)  # {"id", "status", "error"}

    @property
    def ok(self) -> bool:
        return not self.failed


class IndexingError(Exception):
    """A document could not be indexed (after retries); the message has the engine's status and reason.

    `transient` says whether trying again later may succeed (the engine throttled, failed or was unreachable).
    """

    def __init__(self, message: str, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


def transient_status(status: Any) -> bool:
    """A bulk item status worth retrying: 429, 5xx, or none at all (the engine was not reached)."""
    return not isinstance(status, int) or status == 429 or status >= 500


class IndexUnavailableError(IndexingError):
    """The index engine cannot be reached right now (transient: the workflow retries it with backoff)."""

    transient = True


class SearchIndex(ABC):
    """The search index: OpenSearch on AWS, an embedded engine locally.

    Documents: upsert by deterministic id (a replay overwrites, never duplicates). Insights: one query per
    owner question, answered by the engine (see functions/domain/insights.py for what each one means).
    """

    # -- documents -------------------------------------------------------------------------------
    @abstractmethod
    def index(self, index: str, doc_id: str, document: dict[str, Any]) -> None:
        """Upserts one document; raises IndexingError when the engine refuses it."""

    @abstractmethod
    def bulk(self, index: str, documents: list[tuple[str, dict[str, Any]]]) -> BulkResult: ...

    @abstractmethod
    def get(self, index: str, doc_id: str) -> dict[str, Any] | None: ...

    @abstractmethod
    def delete(self, index: str, doc_id: str) -> None: ...

    @abstractmethod
    def count(self, index: str) -> int: ...

    @abstractmethod
    def ids(self, index: str) -> list[str]: ...

    # -- insights (the comments index) -----------------------------------------------------------
    @abstractmethod
    def comment_span(self, period: Period) -> tuple[date, date] | None:
        """Weeks (Mondays) of the first and last comment in the period; None when there is none."""

    @abstractmethod
    def customer_rows(self, period: Period) -> CustomerRows:
        """New customers per week by first comment ever (authorSub), those first seen before the period,
        and distinct customers commenting per week."""

    @abstractmethod
    def escalation_rows(self, period: Period, rule: EscalationRule, top: int, recent: int) -> EscalationRows:
        """Comments the rule escalates: per week, the `top` designs with most, the `recent` newest."""

    @abstractmethod
    def design_stats(self, period: Period, top: int) -> list[DesignStats]:
        """The `top` designs by comments (ties: designId ascending)."""

    @abstractmethod
    def designer_stats(self, period: Period) -> list[DesignerStats]:
        """Every designer with comments in the period."""

    @abstractmethod
    def weekly_positivity(self, period: Period) -> list[WeekPositivity]:
        """Average positivity of scored comments per week (weeks with scored comments only)."""

    @abstractmethod
    def weekly_sentiments(self, period: Period) -> list[WeekSentiments]:
        """Comments per sentiment per week (weeks with comments only)."""
