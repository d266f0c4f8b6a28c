"""The screening stand-ins' measured quality stays where docs/comment-moderation.md says (project data only)."""

from __future__ import annotations

from salon.ai.toxicity import measure


def test_the_heldout_comments_are_caught_without_hiding_clean_ones():
    report = measure.toxicity()
    heldout = report["en/heldout"]
    assert heldout["n"] >= 30 and heldout["falsePositiveRate"] == 0.0
    assert heldout["precision"] >= 0.95 and heldout["recall"] >= 0.9
    assert report["unscreened/heldout"]["falsePositiveRate"] == 0.0


def test_the_lexicon_never_read_the_heldout_rows():
    lexicon = {r["text"] for r in measure.rows() if r["split"] == "lexicon"}
    heldout = {r["text"] for r in measure.rows() if r["split"] == "heldout"}
    assert lexicon and heldout and not lexicon & heldout


def test_personal_data_is_found_exactly_by_the_stand_in_and_the_patterns():
    for report in (measure.personal_data(), measure.personal_data(detect=measure._patterns)):
        assert set(report) == set(measure.VALUES)
        assert all(row["recall"] == 1.0 and row["extraSpans"] == 0 for row in report.values()), report
