"""The owner's six questions, engine-neutral.

Each question is one query on the SearchIndex port (OpenSearch aggregations on AWS, DuckDB in the embedded
stack). This module says what the questions mean, so both engines answer the same thing:

- a period is a half-open UTC interval [since, before) on the comment's `submittedAt`;
- a week is the ISO week (Monday 00:00 UTC), named by its Monday;
- weekly series cover every week from the first to the last comment of the period (empty weeks included);
- a comment is escalated when the comment policy says so: NEGATIVE and scores.Negative >= minNegativeScore
  (the rule AssessComment applies, evaluated on the indexed scores with the policy in force now);
- positivity is the average of `positive` (Comprehend's Positive score) over scored comments.

Pure logic: no AWS calls, no engine specifics.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from functions.ports import (
    CustomerRows,
    DesignCount,
    DesignerStats,
    DesignStats,
    Escalation,
    EscalationRows,
    EscalationRule,
    InsightsRequestError,
    Period,
    SearchIndex,
    WeekPositivity,
    WeekSentiments,
    utc,
)

SENTIMENTS = ("POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED", "UNSCORED")
WEEK = timedelta(days=7)
FLAT_SLOPE = 0.005  # positivity points per week below which a trend is called flat
QUESTIONS = ("customers", "escalations", "hotDesigns", "designers", "satisfaction", "sentiment")


# -- time ------------------------------------------------------------------------------------------
def parse_instant(text: str) -> datetime:
    """An ISO 8601 timestamp as the documents carry it ('2025-03-01T10:00:00.000Z'), as aware UTC."""
    return utc(datetime.fromisoformat(text))


def week_of(moment: datetime | date) -> date:
    """The Monday (UTC) of the ISO week containing the moment."""
    day = utc(moment).date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def iso_week(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def weeks_between(first: date, last: date) -> list[date]:
    """Every Monday from the week of `first` to the week of `last`, inclusive."""
    start, end = week_of(first), week_of(last)
    return [start + WEEK * i for i in range((end - start).days // 7 + 1)] if start <= end else []


def _day(value: str | None, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise InsightsRequestError(f"{name} must be a date like 2025-03-01, not {value!r}") from exc


def _count(value: str | None, name: str, default: int, lowest: int, highest: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(str(value))
    except ValueError as exc:
        raise InsightsRequestError(f"{name} must be a whole number, not {value!r}") from exc
    if not lowest <= number <= highest:
        raise InsightsRequestError(f"{name} must be between {lowest} and {highest}, not {number}")
    return number


# -- the request -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class InsightsRequest:
    rule: EscalationRule
    period: Period = field(default_factory=Period)
    min_comments: int = 5  # scored comments a designer needs to be ranked
    top: int = 10  # hot designs, and designs with the most escalations
    recent: int = 20  # escalated comments listed, newest first

    @classmethod
    def from_query(
        cls, params: Mapping[str, str | None], rule: EscalationRule, min_comments: int = 5
    ) -> InsightsRequest:
        """From API query parameters: since, until (dates, inclusive), minComments, top, recent."""
        return cls(
            rule=rule,
            period=Period.from_dates(_day(params.get("since"), "since"), _day(params.get("until"), "until")),
            min_comments=_count(params.get("minComments"), "minComments", min_comments, 1, 100_000),
            top=_count(params.get("top"), "top", 10, 1, 100),
            recent=_count(params.get("recent"), "recent", 20, 0, 500),
        )


# -- the answers -----------------------------------------------------------------------------------
def _week(monday: date) -> dict[str, str]:
    return {"week": monday.isoformat(), "isoWeek": iso_week(monday)}


@dataclass(frozen=True)
class CustomerGrowth:
    """Is my customer base growing? New customers (first comment ever) per week, and the running total."""

    weeks: list[tuple[date, int, int, int]]  # (week, new, cumulative, active)
    before: int
    new_in_period: int
    total: int
    new_per_week_slope: float | None

    @property
    def growing(self) -> bool:
        return self.new_in_period > 0

    def summary(self) -> str:
        if not self.weeks:
            return "No comments in this period."
        span = len(self.weeks)
        text = f"{'Yes' if self.growing else 'No'}: {self.new_in_period} new customers in {span} week(s)"
        if self.before:
            text += f" (+{100 * self.new_in_period / self.before:.0f}% on the {self.before} before)"
        text += f", {self.total} in all"
        if self.new_per_week_slope is not None and span >= 3:
            pace = (
                "rising"
                if self.new_per_week_slope > 0.25
                else "falling"
                if self.new_per_week_slope < -0.25
                else "steady"
            )
            text += f"; arrivals per week are {pace}"
        return text + "."

    def to_dict(self) -> dict[str, Any]:
        return {
            "growing": self.growing,
            "newInPeriod": self.new_in_period,
            "before": self.before,
            "total": self.total,
            "newPerWeekSlope": self.new_per_week_slope,
            "summary": self.summary(),
            "weeks": [{**_week(w), "new": n, "cumulative": c, "active": a} for w, n, c, a in self.weeks],
        }


@dataclass(frozen=True)
class EscalationAnswer:
    """Which concerns need my attention? Comments the policy escalates, newest first, and where they cluster."""

    rule: EscalationRule
    total: int
    weeks: list[tuple[date, int]]
    by_design: list[DesignCount]
    recent: list[Escalation]

    def summary(self) -> str:
        if not self.total:
            return "No escalated comments in this period."
        worst = self.by_design[0] if self.by_design else None
        text = f"{self.total} escalated comment(s)"
        if worst and worst.count > 1:
            text += f"; most on design {worst.design_id} by {worst.designer} ({worst.count})"
        return text + "."

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule.to_dict(),
            "total": self.total,
            "summary": self.summary(),
            "weeks": [{**_week(w), "count": n} for w, n in self.weeks],
            "byDesign": [d.to_dict() for d in self.by_design],
            "recent": [e.to_dict() for e in self.recent],
        }


@dataclass(frozen=True)
class HotDesigns:
    """Which designs are hot this season? Most comments in the period (ties: designId), with positivity."""

    designs: list[DesignStats]

    def summary(self) -> str:
        if not self.designs:
            return "No comments in this period."
        top = self.designs[0]
        positivity = "" if top.avg_positivity is None else f", {top.avg_positivity:.0%} positivity"
        return f"Hottest: design {top.design_id} by {top.designer} ({top.comments} comments{positivity})."

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary(), "designs": [d.to_dict() for d in self.designs]}


@dataclass(frozen=True)
class DesignerBoard:
    """Which designers do exceptional work? Average positivity over scored comments, with how many."""

    min_comments: int
    leaders: list[DesignerStats]  # at least min_comments scored comments, best first
    below_minimum: list[DesignerStats]  # too few scored comments to rank, most first

    def summary(self) -> str:
        if not self.leaders:
            return f"No designer has {self.min_comments} scored comments in this period yet."
        best = self.leaders[0]
        return (
            f"Best: {best.designer}, {best.avg_positivity or 0:.0%} average positivity over {best.scored} "
            f"scored comments."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "minComments": self.min_comments,
            "summary": self.summary(),
            "leaders": [d.to_dict() for d in self.leaders],
            "belowMinimum": [d.to_dict() for d in self.below_minimum],
        }


@dataclass(frozen=True)
class SatisfactionTrend:
    """Is satisfaction trending up? Average positivity per week, its least-squares slope, and the low point."""

    weeks: list[WeekPositivity]
    overall: float | None
    slope_per_week: float | None

    @property
    def direction(self) -> str | None:
        if self.slope_per_week is None:
            return None
        if abs(self.slope_per_week) < FLAT_SLOPE:
            return "flat"
        return "up" if self.slope_per_week > 0 else "down"

    @property
    def lowest(self) -> WeekPositivity | None:
        scored = [w for w in self.weeks if w.avg_positivity is not None]
        return min(scored, key=lambda w: (w.avg_positivity, w.week)) if scored else None

    def summary(self) -> str:
        if self.overall is None:
            return "No scored comments in this period."
        text = f"Average positivity {self.overall:.0%}"
        if self.direction:
            text += (
                f", trending {self.direction} ({self.slope_per_week:+.1%} per week)"
                if self.direction != "flat"
                else ", flat"
            )
        low = self.lowest
        if low and len(self.weeks) > 1:
            text += f"; lowest week {iso_week(low.week)} at {low.avg_positivity:.0%}"
        return text + "."

    def to_dict(self) -> dict[str, Any]:
        low = self.lowest
        return {
            "overall": self.overall,
            "slopePerWeek": self.slope_per_week,
            "direction": self.direction,
            "lowestWeek": low.week.isoformat() if low else None,
            "summary": self.summary(),
            "weeks": [{**_week(w.week), "scored": w.scored, "avgPositivity": w.avg_positivity} for w in self.weeks],
        }


@dataclass(frozen=True)
class SentimentDistribution:
    """What is the sentiment distribution? Counts per sentiment, overall and per week."""

    overall: dict[str, int]
    weeks: list[WeekSentiments]

    @property
    def total(self) -> int:
        return sum(self.overall.values())

    def summary(self) -> str:
        if not self.total:
            return "No comments in this period."
        parts = [f"{self.overall[s] / self.total:.0%} {s.lower()}" for s in SENTIMENTS if self.overall[s]]
        return f"{self.total} comments: " + ", ".join(parts) + "."

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "overall": dict(self.overall),
            "summary": self.summary(),
            "weeks": [{**_week(w.week), "counts": dict(w.counts)} for w in self.weeks],
        }


@dataclass(frozen=True)
class Insights:
    period: Period
    customers: CustomerGrowth
    escalations: EscalationAnswer
    hot_designs: HotDesigns
    designers: DesignerBoard
    satisfaction: SatisfactionTrend
    sentiment: SentimentDistribution

    def to_dict(self) -> dict[str, Any]:
        """One key per question (plus the period they answer for): the API body and `salon insights --json`."""
        return {
            "period": self.period.to_dict(),
            "customers": self.customers.to_dict(),
            "escalations": self.escalations.to_dict(),
            "hotDesigns": self.hot_designs.to_dict(),
            "designers": self.designers.to_dict(),
            "satisfaction": self.satisfaction.to_dict(),
            "sentiment": self.sentiment.to_dict(),
        }


# -- assembling answers from the engine's rows -------------------------------------------------------
def slope(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of y on x; None with fewer than two distinct x."""
    if len({x for x, _ in points}) < 2:
        return None
    mean_x = math.fsum(x for x, _ in points) / len(points)
    mean_y = math.fsum(y for _, y in points) / len(points)
    num = math.fsum((x - mean_x) * (y - mean_y) for x, y in points)
    den = math.fsum((x - mean_x) ** 2 for x, _ in points)
    return num / den


def customer_growth(rows: CustomerRows, weeks: list[date]) -> CustomerGrowth:
    series, running = [], rows.before
    for week in weeks:
        new = rows.new_by_week.get(week, 0)
        running += new
        series.append((week, new, running, rows.active_by_week.get(week, 0)))
    new_total = sum(rows.new_by_week.values())
    trend = slope([(float(i), float(new)) for i, (_, new, _, _) in enumerate(series)])
    return CustomerGrowth(series, rows.before, new_total, rows.before + new_total, trend)


def escalation_answer(rule: EscalationRule, rows: EscalationRows, weeks: list[date]) -> EscalationAnswer:
    return EscalationAnswer(
        rule, sum(rows.by_week.values()), [(w, rows.by_week.get(w, 0)) for w in weeks], rows.by_design, rows.recent
    )


def designer_board(stats: list[DesignerStats], min_comments: int) -> DesignerBoard:
    ranked = sorted(
        (s for s in stats if s.scored >= min_comments and s.avg_positivity is not None),
        key=lambda s: (-(s.avg_positivity or 0.0), -s.scored, s.designer),
    )
    below = sorted((s for s in stats if s not in ranked), key=lambda s: (-s.scored, -s.comments, s.designer))
    return DesignerBoard(min_comments, ranked, below)


def satisfaction_trend(rows: list[WeekPositivity], weeks: list[date]) -> SatisfactionTrend:
    by_week = {r.week: r for r in rows}
    series = [by_week.get(w, WeekPositivity(w, 0, None)) for w in weeks]
    scored = [r for r in series if r.avg_positivity is not None and r.scored]
    total = sum(r.scored for r in scored)
    overall = math.fsum((r.avg_positivity or 0.0) * r.scored for r in scored) / total if total else None
    index = {w: i for i, w in enumerate(weeks)}
    trend = slope([(float(index[r.week]), r.avg_positivity or 0.0) for r in scored])
    return SatisfactionTrend(series, overall, trend)


def sentiment_distribution(rows: list[WeekSentiments], weeks: list[date]) -> SentimentDistribution:
    by_week = {r.week: r.counts for r in rows}
    series = [WeekSentiments(w, {s: int(by_week.get(w, {}).get(s, 0)) for s in SENTIMENTS}) for w in weeks]
    overall = {s: sum(r.counts[s] for r in series) for s in SENTIMENTS}
    return SentimentDistribution(overall, series)


# -- the six questions on a port ---------------------------------------------------------------------
def weeks_of(source: SearchIndex, period: Period) -> list[date]:
    span = source.comment_span(period)
    return weeks_between(*span) if span else []


def customers(source: SearchIndex, request: InsightsRequest, weeks: list[date]) -> CustomerGrowth:
    return customer_growth(source.customer_rows(request.period), weeks)


def escalations(source: SearchIndex, request: InsightsRequest, weeks: list[date]) -> EscalationAnswer:
    rows = source.escalation_rows(request.period, request.rule, request.top, request.recent)
    return escalation_answer(request.rule, rows, weeks)


def hot_designs(source: SearchIndex, request: InsightsRequest, weeks: list[date]) -> HotDesigns:
    return HotDesigns(source.design_stats(request.period, request.top))


def designers(source: SearchIndex, request: InsightsRequest, weeks: list[date]) -> DesignerBoard:
    return designer_board(source.designer_stats(request.period), request.min_comments)


def satisfaction(source: SearchIndex, request: InsightsRequest, weeks: list[date]) -> SatisfactionTrend:
    return satisfaction_trend(source.weekly_positivity(request.period), weeks)


def sentiment(source: SearchIndex, request: InsightsRequest, weeks: list[date]) -> SentimentDistribution:
    return sentiment_distribution(source.weekly_sentiments(request.period), weeks)


Question = Callable[[SearchIndex, InsightsRequest, list[date]], Any]
ANSWERS: dict[str, Question] = {
    "customers": customers,
    "escalations": escalations,
    "hotDesigns": hot_designs,
    "designers": designers,
    "satisfaction": satisfaction,
    "sentiment": sentiment,
}


def answer(source: SearchIndex, request: InsightsRequest) -> Insights:
    """All six answers for the request's period (seven queries: the period's week span, then one per question)."""
    weeks = weeks_of(source, request.period)
    return Insights(
        request.period,
        customers(source, request, weeks),
        escalations(source, request, weeks),
        hot_designs(source, request, weeks),
        designers(source, request, weeks),
        satisfaction(source, request, weeks),
        sentiment(source, request, weeks),
    )
