"""Reconcile checks over in-memory fakes: each invariant violation is found and, where safe, repaired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions import names
from functions.domain.reconcile import (
    CHECKS,
    Comment,
    Decision,
    Meter,
    Photo,
    Upload,
    expected_totals,
    reconcile,
    summary_lines,
)
from functions.ports import SearchIndex
from tests.fakes import FakeRecords, FakeWorkflows

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
OLD = NOW - timedelta(hours=1)
OLD_TEXT = OLD.isoformat().replace("+00:00", "Z")
KEY = "uploads/dana/11111111-1111-1111-1111-111111111111.jpg"
PHOTO_ID = "11111111-1111-1111-1111-111111111111"


class FakeIndex(SearchIndex):
    def __init__(self) -> None:
        self.docs: dict[str, dict[str, dict[str, Any]]] = {names.PHOTOS_INDEX: {}, names.COMMENTS_INDEX: {}}

    def index(self, index: str, doc_id: str, document: dict[str, Any]) -> None:
        self.docs[index][doc_id] = document

    def delete(self, index: str, doc_id: str) -> None:
        self.docs[index].pop(doc_id, None)

    def ids(self, index: str) -> list[str]:
        return list(self.docs[index])

    def count(self, index: str) -> int:
        return len(self.docs[index])

    def get(self, index: str, doc_id: str) -> dict[str, Any] | None:
        return self.docs[index].get(doc_id)

    def bulk(self, index: str, documents: list[tuple[str, dict[str, Any]]]) -> Any:
        raise NotImplementedError

    def _unused(self, *args: Any) -> Any:
        raise NotImplementedError("reconcile never asks insights questions")

    comment_span = customer_rows = escalation_rows = design_stats = _unused  # type: ignore[assignment]
    designer_stats = weekly_positivity = weekly_sentiments = _unused  # type: ignore[assignment]


def analysed(comment_id: str, sentiment: str = "POSITIVE", positive: float = 0.9, design: str = PHOTO_ID) -> Comment:
    return Comment(
        comment_id=comment_id,
        design_id=design,
        status="analyzed",
        designer="dana",
        text="lovely",
        author={"username": "penny", "sub": "s-1", "email": "p@x"},
        submitted_at=OLD_TEXT,
        execution=f"arn:exec:{comment_id}",
        language="en",
        sentiment=sentiment,
        scores={"Positive": positive, "Negative": 1 - positive},
        analyzed_at=OLD_TEXT,
    )


@pytest.fixture
def world() -> tuple[FakeRecords, FakeWorkflows, FakeIndex]:
    """A consistent world: one approved, published, indexed photo with two analysed, counted comments."""
    records, workflows, index = FakeRecords(), FakeWorkflows(), FakeIndex()
    records.upload_list.append(Upload(KEY, "abcdef12", 100, OLD))
    records.decision_map[KEY] = Decision(KEY, "approved", "arn:exec:photo")
    photo = Photo(PHOTO_ID, KEY, "published", "dana", ["Manicure"], OLD_TEXT, OLD_TEXT)
    records.photo_list.append(photo)
    index.index(names.PHOTOS_INDEX, PHOTO_ID, {"photoId": PHOTO_ID})
    for comment in (analysed("c1"), analysed("c2", "NEGATIVE", 0.1)):
        records.comment_list.append(comment)
        index.index(names.COMMENTS_INDEX, comment.comment_id, {"commentId": comment.comment_id})
    totals = expected_totals(records.comment_list)
    records.meter_map[PHOTO_ID] = Meter(PHOTO_ID, dict(totals.counts), totals.positivity_sum, OLD_TEXT)
    return records, workflows, index


def run(world: tuple[FakeRecords, FakeWorkflows, FakeIndex], repair: bool = True) -> Any:
    records, workflows, index = world
    return reconcile(records, workflows, index, now=NOW, repair=repair)


def checks(report: Any) -> list[str]:
    return [f.check for f in report.findings]


def test_a_consistent_world_is_clean(world):
    report = run(world)
    assert report.clean and report.to_dict()["unrepaired"] == 0
    assert report.checked == {"uploads": 1, "comments": 2, "meters": 1, "photosIndexed": 1, "commentsIndexed": 2}
    assert summary_lines(report)[-1] == "clean"


def test_undecided_upload_past_the_deadline_is_rerun(world):
    records, workflows, _ = world
    key = "uploads/dana/22222222-2222-2222-2222-222222222222.jpg"
    records.upload_list.append(Upload(key, "ffff0000", 10, OLD))
    report = run(world)
    assert checks(report) == ["upload-undecided"] and workflows.reruns == [key]
    assert report.findings[0].repair.startswith("re-run as")


def test_young_or_running_uploads_are_pending_not_findings(world):
    records, workflows, _ = world
    young = Upload("uploads/dana/33333333-3333-3333-3333-333333333333.jpg", "e", 1, NOW - timedelta(minutes=1))
    running = Upload("uploads/dana/44444444-4444-4444-4444-444444444444.jpg", "e", 1, OLD)
    records.upload_list += [young, running]
    workflows.status[running.key] = "RUNNING"
    report = run(world)
    assert report.clean and report.pending["uploads"] == 2 and workflows.reruns == []


def test_check_only_changes_nothing(world):
    records, workflows, index = world
    records.upload_list.append(Upload("uploads/dana/55555555-5555-5555-5555-555555555555.jpg", "e", 1, OLD))
    index.index(names.COMMENTS_INDEX, "ghost", {})
    report = run(world, repair=False)
    assert sorted(checks(report)) == ["index-extra", "upload-undecided"]
    assert workflows.reruns == [] and "ghost" in index.docs[names.COMMENTS_INDEX]
    assert all(f.repair is None for f in report.findings)


def test_overdue_review_and_unknown_verdict_are_reported(world):
    records, _, _ = world
    review = "uploads/dana/66666666-6666-6666-6666-666666666666.jpg"
    waiting = "uploads/dana/77777777-7777-7777-7777-777777777777.jpg"
    odd = "uploads/dana/88888888-8888-8888-8888-888888888888.jpg"
    records.upload_list += [Upload(k, "e", 1, OLD) for k in (review, waiting, odd)]
    records.decision_map[review] = Decision(review, "review", deadline=NOW - timedelta(minutes=1))
    records.decision_map[waiting] = Decision(waiting, "review", deadline=NOW + timedelta(hours=1))
    records.decision_map[odd] = Decision(odd, "maybe")
    report = run(world)
    assert sorted(checks(report)) == ["upload-review-overdue", "upload-unknown-verdict"]
    assert report.pending["uploads"] == 1


def test_published_photo_must_have_an_approval_and_quarantine_must_be_hidden(world):
    records, _, _ = world
    records.decision_map[KEY] = Decision(KEY, "quarantined")
    report = run(world)
    assert sorted(checks(report)) == ["photo-without-approval", "quarantine-visible"]
    assert world[1].reruns == []  # a quarantined photo that is published is for a person to look at
    records.photo_list.clear()
    records.decision_map[KEY] = Decision(KEY, "approved")
    report = run(world)
    assert "approval-without-photo" in checks(report)


def test_published_photo_whose_execution_failed_later_is_rerun(world):
    """Published, then the index or the event failed: the same version is judged again, not left half done."""
    records, workflows, _ = world
    records.decision_map[KEY] = Decision(KEY, "failed", "arn:exec:photo", error="IndexUnavailableError")
    workflows.status[KEY] = "FAILED"
    report = run(world)
    assert checks(report) == ["photo-without-approval"] and workflows.reruns == [KEY]
    assert report.findings[0].repair == f"re-run as rerun-rc{int(NOW.timestamp())}"
    workflows.reruns.clear()
    workflows.status[KEY] = "RUNNING"  # a redrive or an earlier pass's re-run is on it already
    assert run(world).findings[0].repair is None and workflows.reruns == []
    workflows.status[KEY] = "FAILED"
    assert run(world, repair=False).findings[0].repair is None and workflows.reruns == []


def test_stuck_comment_is_marked_failed_and_rerun(world):
    records, workflows, _ = world
    stuck = Comment("c3", PHOTO_ID, "received", submitted_at=OLD_TEXT, execution="arn:exec:c3")
    records.comment_list.append(stuck)
    workflows.status["arn:exec:c3"] = "FAILED"
    report = run(world)
    assert checks(report) == ["comment-stuck"] and records.failed == ["c3"] and workflows.reruns == ["c3"]
    assert "FAILED" in report.findings[0].detail


def test_received_comment_still_running_or_young_is_pending(world):
    records, workflows, _ = world
    records.comment_list += [
        Comment("c4", PHOTO_ID, "received", submitted_at=OLD_TEXT, execution="arn:exec:c4"),
        Comment("c5", PHOTO_ID, "received", submitted_at=NOW.isoformat(), execution="arn:exec:c5"),
    ]
    workflows.status["arn:exec:c4"] = "RUNNING"
    report = run(world)
    assert report.clean and report.pending["comments"] == 2 and records.failed == []


def test_failed_comment_needs_its_record_and_status_must_be_known(world):
    records, _, _ = world
    records.comment_list += [
        Comment("c6", PHOTO_ID, "failed", error="States.TaskFailed"),
        Comment("c7", PHOTO_ID, "failed"),
        Comment("c8", PHOTO_ID, "limbo"),
        Comment("c9", PHOTO_ID, "held"),
    ]
    assert sorted(checks(run(world))) == ["comment-failed-without-record", "comment-unknown-status"]


def test_meter_counted_twice_is_rewritten_from_the_comments(world):
    records, _, _ = world
    meter = records.meter_map[PHOTO_ID]
    records.meter_map[PHOTO_ID] = Meter(
        PHOTO_ID, {**meter.counts, "NEGATIVE": 3, "comments": 4}, meter.positivity_sum + 0.2, OLD_TEXT
    )
    report = run(world)
    assert checks(report) == ["meter-mismatch"] and report.findings[0].repair
    assert records.meter_map[PHOTO_ID].counts["NEGATIVE"] == 1 and records.meter_map[PHOTO_ID].counts["comments"] == 2
    assert run(world).clean


def test_meter_without_comments_and_comments_without_meter(world):
    records, _, _ = world
    records.meter_map["other"] = Meter("other", {"comments": 1, "POSITIVE": 1}, 0.5, OLD_TEXT)
    del records.meter_map[PHOTO_ID]
    report = run(world)
    assert sorted(f.subject for f in report.findings) == [PHOTO_ID, "other"]
    assert records.meter_map["other"].counts["comments"] == 0
    assert records.meter_map[PHOTO_ID].counts["comments"] == 2


def test_meters_of_designs_in_flight_are_left_alone(world):
    records, _, _ = world
    records.comment_list.append(Comment("c10", PHOTO_ID, "received", submitted_at=NOW.isoformat()))
    records.meter_map[PHOTO_ID] = Meter(PHOTO_ID, {"comments": 3}, 0.0, OLD_TEXT)  # c10 may be counted already
    assert run(world).clean


def test_index_missing_and_extra_documents_are_repaired(world):
    _, _, index = world
    del index.docs[names.PHOTOS_INDEX][PHOTO_ID]
    del index.docs[names.COMMENTS_INDEX]["c1"]
    index.index(names.COMMENTS_INDEX, "ghost", {"commentId": "ghost"})
    index.index(names.PHOTOS_INDEX, "unpublished", {"photoId": "unpublished"})
    report = run(world)
    assert sorted((f.check, f.subject) for f in report.findings) == [
        ("index-extra", "comments/ghost"),
        ("index-extra", "photos/unpublished"),
        ("index-missing", "comments/c1"),
        ("index-missing", f"photos/{PHOTO_ID}"),
    ]
    assert index.docs[names.PHOTOS_INDEX][PHOTO_ID]["labels"] == ["Manicure"]
    comment = index.docs[names.COMMENTS_INDEX]["c1"]
    assert (comment["author"], comment["authorSub"], comment["scored"], comment["positive"]) == ("penny", "s-1", 1, 0.9)
    assert "ghost" not in index.docs[names.COMMENTS_INDEX] and run(world).clean


def test_every_check_is_described():
    assert all(text for text in CHECKS.values())
    totals = expected_totals([analysed("a", "UNSCORED", 0.0), analysed("b", "MIXED", 0.4)])
    assert totals.counts["scored"] == 1 and totals.counts["UNSCORED"] == 1 and totals.positivity_sum == 0.4
