"""`salon seed --index`, `salon insights --index` (tables, --json, --html) and the HTML report itself."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from functions.domain import insights
from functions.schemas import validate
from salon import report
from salon import scenario as scenarios
from salon.cli import main
from salon.embedded_index import EmbeddedIndex


@pytest.fixture(scope="module")
def data() -> dict:
    index = EmbeddedIndex(":memory:")
    scenarios.load(index, scenarios.generate(weeks=10, seed=3, start=date(2025, 1, 6)))
    return insights.answer(index, insights.InsightsRequest(rule=insights.EscalationRule(0.75))).to_dict()


def test_seed_then_insights_from_an_index_file(tmp_path, capsys):
    path = tmp_path / "scenario.duckdb"
    assert main(["seed", "--index", str(path), "--weeks", "6", "--seed", "4", "--json"]) == 0
    seeded = json.loads(capsys.readouterr().out)
    story = scenarios.generate(weeks=6, seed=4)
    assert seeded["failed"] == [] and seeded["indexed"] == len(story.comments) + len(story.designs)
    since = story.start + (story.week_start(2) - story.week_start(0))
    assert main(["insights", "--index", str(path), "--json", "--since", since.isoformat(), "--min-comments", "3"]) == 0
    answer = json.loads(capsys.readouterr().out)
    validate(answer, "insights")
    assert set(answer) == {"period", *insights.QUESTIONS}
    assert answer["period"]["since"] == f"{since.isoformat()}T00:00:00Z" and answer["designers"]["minComments"] == 3
    expected = sum(1 for c in story.comments if c.submitted_at.date() >= since)
    assert answer["sentiment"]["total"] == expected


def test_insights_prints_tables_and_writes_the_report(tmp_path, capsys):
    path = tmp_path / "scenario.duckdb"
    main(["seed", "--index", str(path), "--weeks", "4"])
    capsys.readouterr()
    html_path = tmp_path / "report.html"
    assert main(["insights", "--index", str(path), "--html", str(html_path)]) == 0
    out = capsys.readouterr()
    for question in (
        "Is my customer base growing?",
        "Which concerns need my attention?",
        "Which designs are hot this season?",
        "Which designers do exceptional work?",
        "Is satisfaction trending up?",
        "What is the sentiment distribution?",
    ):
        assert question in out.out
    assert "report written" in out.err and html_path.read_text().startswith("<!doctype html>")


def test_a_bad_date_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["insights", "--index", str(tmp_path / "x"), "--since", "last week"])
    assert "not a date" in capsys.readouterr().err
    assert main(["insights", "--index", str(tmp_path / "missing.duckdb")]) == 2


def test_report_is_self_contained(data):
    page = report.render(data)
    assert "Chart.js v4.6.1" in page and "sourceMappingURL" not in page
    without_text = re.sub(r"https?://www\.chartjs\.org|https://github\.com/kurkle/color", "", page)
    for external in ('src="http', "src=http", 'href="http', "href=http", "url(http", "@import", "<link", "<iframe"):
        assert external not in without_text
    assert len(re.findall(r"<script>", page)) == 2  # the library and the charts, both inline


def test_report_answers_every_question_with_a_chart_and_a_table(data):
    page = report.render(data)
    for canvas in (
        "chart-customers",
        "chart-satisfaction",
        "chart-designers",
        "chart-hot",
        "chart-escalations",
        "chart-sentiment-weeks",
        "chart-sentiment-overall",
    ):
        assert f"id={canvas}>" in page
    for key in insights.QUESTIONS:
        assert data[key]["summary"].split(":")[0] in page
    embedded = re.search(r'<script type="application/json" id="insights-data">(.*?)</script>', page, re.S)
    assert embedded and json.loads(embedded.group(1)) == data
    assert page.count("<table>") == 6


def test_report_escapes_what_people_typed(data):
    hostile = json.loads(json.dumps(data))
    hostile["designers"]["leaders"][0]["designer"] = "<script>alert(1)</script>"
    page = report.render(hostile)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page  # not in the tables, not in the embedded JSON


def test_report_refuses_a_tampered_chart_library(tmp_path, monkeypatch):
    fake = tmp_path / "chart.umd.min.js"
    fake.write_text("window.Chart = function () {};")
    monkeypatch.setattr(report, "VENDOR", fake)
    with pytest.raises(RuntimeError, match="does not match"):
        report.render({})


def test_the_report_names_designs_by_title_with_a_thumbnail_and_escapes_both() -> None:
    from salon.cli_insights import designs_named

    index = EmbeddedIndex(":memory:")
    scenarios.load(index, scenarios.generate(weeks=4, seed=5, start=date(2025, 1, 6)))
    data = insights.answer(index, insights.InsightsRequest(rule=insights.EscalationRule(0.75))).to_dict()
    named = designs_named(data)
    assert named and len(named) == len(set(named))
    first, second = named[0], named[-1]
    thumb = "data:image/jpeg;base64,/9j/AAAA"
    cards = {
        first: {"title": "Coral <b>chrome</b>", "thumbnail": thumb},
        second: {"title": "Plain", "thumbnail": "javascript:alert(1)"},
    }
    page = report.render(data, designs=cards)
    assert "Coral &lt;b&gt;chrome&lt;/b&gt;" in page and "<b>chrome</b>" not in page  # escaped in the tables
    assert f"src='{thumb}'" in page and "javascript:alert" not in page  # only data: images are embedded
    titles = re.search(r'<script type="application/json" id="design-titles">(.*?)</script>', page, re.S)
    assert titles and json.loads(titles.group(1)) == {first: "Coral <b>chrome</b>", second: "Plain"}  # chart labels
    assert "<\\/b>" in titles.group(1)  # a title cannot close the script element
