"""Ports: the small abstract interfaces the domain depends on. Adapters live in functions/adapters/."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from functions.domain.comments import CommentPolicy


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

    transient = False

    def __init__(self, message: str, transient: bool | None = None) -> None:
        super().__init__(message)
        if transient is not None:  # else the class says (IndexUnavailableError: always transient)
            self.transient = transient


def transient_status(status: Any) -> bool:
    """A bulk item status worth retrying: 429, 5xx, or none at all (the engine was not reached)."""
    return not isinstance(status, int) or status == 429 or status >= 500


class IndexUnavailableError(IndexingError):
    """The index engine cannot be reached right now (transient: the workflow retries it with backoff)."""

    transient = True


# -- the insights queries' parameters and rows (one row type per query; functions/domain/insights.py answers
# the owner's questions from them) ------------------------------------------------------------------------


class InsightsRequestError(ValueError):
    """The request cannot be answered as asked (bad date, bad number); the message says why."""


def utc(moment: datetime) -> datetime:
    """Aware UTC datetime (a naive one is taken to be UTC already)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class Period:
    """[since, before) in UTC; either end may be open."""

    since: datetime | None = None
    before: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "since", utc(self.since) if self.since else None)
        object.__setattr__(self, "before", utc(self.before) if self.before else None)
        if self.since and self.before and self.since >= self.before:
            raise InsightsRequestError(
                f"the period is empty: {self.since:%Y-%m-%d} is not before {self.before:%Y-%m-%d}"
            )

    @classmethod
    def from_dates(cls, since: date | None = None, until: date | None = None) -> Period:
        """Calendar days, both inclusive: since=2025-01-01, until=2025-03-31 is the first quarter."""
        return cls(
            datetime.combine(since, time(), UTC) if since else None,
            datetime.combine(until + timedelta(days=1), time(), UTC) if until else None,
        )

    def contains(self, moment: datetime) -> bool:
        moment = utc(moment)
        return (self.since is None or moment >= self.since) and (self.before is None or moment < self.before)

    def to_dict(self) -> dict[str, Any]:
        return {"since": _instant(self.since), "before": _instant(self.before)}


def _instant(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z") if moment else None


@dataclass(frozen=True)
class EscalationRule:
    """The comment policy's escalation rule, as a query: sentiment NEGATIVE and scores.Negative >= min."""

    min_negative: float
    sentiment: str = "NEGATIVE"

    @classmethod
    def from_policy(cls, policy: CommentPolicy) -> EscalationRule:
        return cls(min_negative=policy.min_negative)

    def to_dict(self) -> dict[str, Any]:
        return {"sentiment": self.sentiment, "minNegative": self.min_negative}


@dataclass(frozen=True)
class CustomerRows:
    new_by_week: dict[date, int]  # customers whose first comment ever falls in that week of the period
    before: int  # customers whose first comment is before the period
    active_by_week: dict[date, int]  # distinct customers commenting that week


@dataclass(frozen=True)
class Escalation:
    comment_id: str
    design_id: str
    designer: str
    author: str
    submitted_at: str
    negative: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "commentId": self.comment_id,
            "designId": self.design_id,
            "designer": self.designer,
            "author": self.author,
            "submittedAt": self.submitted_at,
            "negative": self.negative,
        }


@dataclass(frozen=True)
class DesignCount:
    design_id: str
    designer: str
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"designId": self.design_id, "designer": self.designer, "count": self.count}


@dataclass(frozen=True)
class EscalationRows:
    by_week: dict[date, int]
    by_design: list[DesignCount]  # most escalations first, then designId
    recent: list[Escalation]  # newest first


@dataclass(frozen=True)
class DesignStats:
    design_id: str
    designer: str
    comments: int
    scored: int
    positive: int  # comments whose sentiment is POSITIVE
    avg_positivity: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "designId": self.design_id,
            "designer": self.designer,
            "comments": self.comments,
            "scored": self.scored,
            "positive": self.positive,
            "avgPositivity": self.avg_positivity,
        }


@dataclass(frozen=True)
class DesignerStats:
    designer: str
    comments: int
    scored: int
    avg_positivity: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "designer": self.designer,
            "comments": self.comments,
            "scored": self.scored,
            "avgPositivity": self.avg_positivity,
        }


@dataclass(frozen=True)
class WeekPositivity:
    week: date
    scored: int
    avg_positivity: float | None


@dataclass(frozen=True)
class WeekSentiments:
    week: date
    counts: dict[str, int]


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


class GalleryRecords(ABC):
    """What a live update reads about its subject: DynamoDB items on AWS and on the embedded stack alike."""

    @abstractmethod
    def photo(self, photo_id: str) -> dict[str, Any] | None: ...

    @abstractmethod
    def comment(self, comment_id: str) -> dict[str, Any] | None: ...

    @abstractmethod
    def meter(self, design_id: str) -> dict[str, Any] | None: ...


class LiveChannel(ABC):
    """Publishes events to a live channel: AppSync Events' signed POST /event (the embedded stack speaks it too)."""

    @abstractmethod
    def publish(self, channel: str, events: list[dict[str, Any]]) -> None:
        """Raises when the channel did not take them, so the message is retried."""
