"""Insights on the running embedded stack: a small scenario seeded through the real workflows (uploads through
presigned POSTs and the image-moderation workflow, comments as CommentSubmitted events through the comment
workflow), with the AI endpoint scripted so every analysis is the scenario's, then GET /insights as the owner."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from functions import names
from functions.schemas import validate
from salon import scenario as scenarios
from salon.cli import main
from salon.cli_insights import fetch_from_stack
from tests.insights.truth import assert_same, truth, without_summaries

pytestmark = pytest.mark.workflow
START = date(2020, 1, 6)  # long before anything the other tests index: the period isolates this scenario
WEEKS = 4


def analysis(comment: scenarios.Comment) -> dict:
    if comment.sentiment == "UNSCORED":
        return {"error": "UnsupportedLanguageException", "message": "Unsupported language"}
    return {"result": {"Sentiment": comment.sentiment, "SentimentScore": comment.scores}}


@pytest.fixture(scope="module")
def seeded(stack, client):
    story = scenarios.generate(weeks=WEEKS, seed=27, start=START, palette=True)  # 34 comments, all six kinds
    for designer in {d.designer for d in story.designs}:
        designs = sum(1 for d in story.designs if d.designer == designer)
        stack.ai.script(
            "DetectModerationLabels", [{"result": {"ModerationLabels": []}}] * designs, match=f"/{designer}/"
        )
        stack.ai.script(
            "DetectLabels",
            [{"result": {"Labels": [{"Name": "Manicure", "Confidence": 97.0, "Parents": [{"Name": "Hand"}]}]}}]
            * designs,
            match=f"/{designer}/",
        )
    try:
        report = scenarios.seed_stack(
            client,
            story,
            workers=4,
            script=lambda group: stack.ai.script("DetectSentiment", [analysis(c) for c in group]),
        )
    finally:
        stack.ai.scripts.clear()
    return story, report


def test_every_design_and_comment_went_through_the_workflows(seeded):
    story, report = seeded
    assert report.designs_approved == len(story.designs) and report.designs_dropped == []
    assert report.comments_failed == [] and report.comments_succeeded == len(story.comments)
    assert report.comments_via_events == len(story.comments)  # all in the past: the history path
    assert report.sentiment_agreement == len(story.comments)


def test_the_owner_gets_the_exact_answers_from_the_api(seeded, client):
    story, report = seeded
    assert report.recorded is not None
    data = fetch_from_stack(client, "owner-olivia", {"since": START.isoformat(), "until": "2020-02-02"})
    validate(data, "insights")
    expected = truth(
        [doc for _, doc in report.recorded.comment_documents()],
        datetime(2020, 1, 6, tzinfo=UTC),
        datetime(2020, 2, 3, tzinfo=UTC),
    )
    assert_same(without_summaries(data), expected)
    assert data["sentiment"]["total"] == len(story.comments) and data["customers"]["before"] == 0
    assert data["escalations"]["total"] > 0 and data["sentiment"]["overall"]["UNSCORED"] > 0


def test_salon_insights_asks_the_running_stack(seeded, stack, capsys, tmp_path):
    home = str(stack.config.home)
    report_path = tmp_path / "report.html"
    assert (
        main(
            [
                "--home",
                home,
                "insights",
                "--since",
                "2020-01-06",
                "--until",
                "2020-02-02",
                "--json",
                "--html",
                str(report_path),
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["sentiment"]["total"] == len(seeded[0].comments)
    assert "chart-satisfaction" in report_path.read_text()


def test_only_the_owner_may_ask(client):
    for user, group in (("curious-carla", names.GROUP_CUSTOMER), ("nosy-nadia", names.GROUP_DESIGNER)):
        response = client.api("GET", names.ROUTE_INSIGHTS, client.token(user, group))
        assert response.status_code == 403 and "owner" in response.json()["message"]
    assert client.api("GET", names.ROUTE_INSIGHTS, None).status_code == 401


def test_a_bad_question_is_a_400_that_says_why(client):
    token = client.token("owner-olivia", names.GROUP_OWNER)
    response = client.api("GET", f"{names.ROUTE_INSIGHTS}?since=yesterday", token)
    assert response.status_code == 400 and "since must be a date" in response.json()["message"]
    response = client.api("GET", f"{names.ROUTE_INSIGHTS}?since=2020-02-01&until=2020-01-01", token)
    assert response.status_code == 400 and "empty" in response.json()["message"]
    response = client.api("GET", f"{names.ROUTE_INSIGHTS}?minComments=0", token)
    assert response.status_code == 400 and "minComments" in response.json()["message"]
