"""Exact answers on the embedded index: a generated scenario, loaded through the port, answers every question
exactly as the ground truth computed independently from the scenario's documents (tests/insights/truth.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from functions import names
from functions.domain import insights
from functions.schemas import validate
from salon import scenario as scenarios
from salon.embedded_index import EmbeddedIndex
from tests.insights.truth import assert_same, truth, without_summaries

START = date(2025, 1, 6)
RULE = insights.EscalationRule(min_negative=0.75)


@pytest.fixture(scope="module")
def story() -> scenarios.Scenario:
    return scenarios.generate(weeks=12, seed=11, start=START)


@pytest.fixture(scope="module")
def index(story, tmp_path_factory) -> EmbeddedIndex:
    index = EmbeddedIndex(tmp_path_factory.mktemp("insights") / "index.duckdb")
    result = scenarios.load(index, story)
    assert result.failed == [] and result.indexed == len(story.comments) + len(story.designs)
    return index


def day(n: int) -> datetime:
    return datetime(2025, 1, 6, tzinfo=UTC) + timedelta(days=n)


PERIODS = {
    "all time": (None, None),
    "from week 5 (customers before it count as earlier)": (day(35), None),
    "a mid-week window": (day(17), day(60)),
    "until week 8": (None, day(56)),
    "one day": (day(40), day(41)),
    "after the last comment": (day(400), None),
}


@pytest.mark.parametrize("name", PERIODS)
def test_every_answer_equals_the_ground_truth(index, story, name):
    since, before = PERIODS[name]
    request = insights.InsightsRequest(
        rule=RULE, period=insights.Period(since, before), min_comments=5, top=6, recent=7
    )
    answer = insights.answer(index, request).to_dict()
    expected = truth(
        [doc for _, doc in story.comment_documents()], since, before, min_negative=0.75, min_comments=5, top=6, recent=7
    )
    assert_same(without_summaries(answer), expected)
    validate(answer, "insights")


def test_minimum_comment_count_moves_designers_out_of_the_ranking(index, story):
    docs = [doc for _, doc in story.comment_documents()]
    for minimum in (1, 60, 10_000):
        request = insights.InsightsRequest(rule=RULE, min_comments=minimum)
        answer = without_summaries(insights.answer(index, request).to_dict())
        assert_same(answer["designers"], truth(docs, min_comments=minimum)["designers"])


def test_the_scenario_tells_its_story(index, story):
    """The answers show what the generator was asked to put in (what a demo viewer should see)."""
    answer = insights.answer(index, insights.InsightsRequest(rule=RULE, min_comments=5))
    arrivals = story.story()["arrivalsPerWeek"]
    assert [n for _, n, _, _ in answer.customers.weeks] == arrivals  # each customer's first comment: arrival week
    assert arrivals == sorted(arrivals) and answer.customers.growing
    assert answer.satisfaction.lowest is not None
    assert (answer.satisfaction.lowest.week - START).days // 7 in story.dip_weeks
    ranked = [d.designer for d in answer.designers.leaders]
    quality = {d.name: d.quality for d in story.designers}
    assert ranked == sorted(ranked, key=lambda name: -quality[name])  # better designers rank higher
    assert answer.escalations.total > 0 and answer.sentiment.overall["UNSCORED"] > 0


def test_a_seasonal_design_is_hot_in_its_season(index, story):
    seasonal = [d for d in story.designs if d.season]
    design = max(seasonal, key=lambda d: d.season[0] if d.season else 0)
    assert design.season is not None
    period = insights.Period(story.week_start(design.season[0]), story.week_start(design.season[1] + 1))
    hot = insights.answer(index, insights.InsightsRequest(rule=RULE, period=period, top=3)).hot_designs.designs
    assert design.design_id in [d.design_id for d in hot]


def test_replaying_the_scenario_overwrites_instead_of_duplicating(index, story):
    before = insights.answer(index, insights.InsightsRequest(rule=RULE)).to_dict()
    again = scenarios.load(index, story)
    assert again.failed == []
    assert index.count(names.COMMENTS_INDEX) == len(story.comments)
    assert insights.answer(index, insights.InsightsRequest(rule=RULE)).to_dict() == before


def test_the_escalation_threshold_is_the_policys(index, story):
    docs = [doc for _, doc in story.comment_documents()]
    strict = insights.EscalationRule(min_negative=0.9)
    answer = insights.answer(index, insights.InsightsRequest(rule=strict)).escalations
    assert (
        answer.total
        == truth(docs, min_negative=0.9)["escalations"]["total"]
        < truth(docs, min_negative=0.75)["escalations"]["total"]
    )
    assert all(e.negative >= 0.9 for e in answer.recent)


def test_empty_index_answers_empty(tmp_path):
    answer = insights.answer(EmbeddedIndex(tmp_path / "empty.duckdb"), insights.InsightsRequest(rule=RULE))
    data = answer.to_dict()
    validate(data, "insights")
    assert data["customers"]["weeks"] == [] and data["sentiment"]["total"] == 0
    assert data["satisfaction"]["overall"] is None and data["designers"]["leaders"] == []
    assert "No comments" in data["sentiment"]["summary"]
