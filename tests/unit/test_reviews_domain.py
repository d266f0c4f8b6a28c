"""The review rules and the owner's review email, without AWS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from functions.domain import messages
from functions.domain.reviews import (
    ReviewConflict,
    ReviewGone,
    ReviewNotFound,
    check_decidable,
    owner_decision,
    pending_review,
    release_fits_retention,
    reopen_input,
)

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
REVIEW = {"timeoutSeconds": 100, "firstWaitSeconds": 80, "reminderWaitSeconds": 20, "onTimeout": "rejected"}
TOKEN = "AAAAKgAAAAIAAAAAAAAAAS3cr3tT0k3n"


def request(stage: str = "ask") -> dict:
    return {
        "stage": stage,
        "taskToken": TOKEN,
        "askedAt": "2026-12-01T09:00:00.000Z",
        "execution": "arn:aws:states:us-east-1:1:execution:m:p-1",
        "photo": {"photoId": "p", "objectKey": "uploads/d/p.jpg", "designer": "d", "uploader": {"username": "d"}},
        "decision": {
            "reasons": ["unsure <b>"],
            "labels": [{"name": "Manicure", "confidence": 61.0}],
            "moderation": [],
            "review": REVIEW,
            "decidedBy": "policy",
        },
    }


def test_pending_review_deadlines_follow_the_policy_and_carry_no_token():
    ask = pending_review(request())
    assert ask["deadline"] == "2026-12-01T09:01:40.000Z" and ask["remindAt"] == "2026-12-01T09:01:20.000Z"
    assert TOKEN not in str(ask) and ask["status"] == "pending" and ask["kind"] == "upload"
    remind = pending_review(request("remind"))
    assert remind["deadline"] == "2026-12-01T09:00:20.000Z"


def test_decisions_repeat_conflict_and_expire():
    review = {**pending_review(request()), "deadline": "2026-12-01T10:00:00.000Z"}
    approve = owner_decision({"decision": "approve", "note": "  fine\n work "}, "boss", NOW)
    assert approve.note == "fine work" and check_decidable(review, approve, NOW) is True
    decided = {**review, "status": "approved", "decidedBy": "boss"}
    assert check_decidable(decided, approve, NOW) is False
    with pytest.raises(ReviewConflict):
        check_decidable(decided, owner_decision({"decision": "reject"}, "boss", NOW), NOW)
    with pytest.raises(ReviewGone):
        check_decidable(review, approve, NOW + timedelta(hours=2))
    with pytest.raises(ReviewGone):
        check_decidable({**review, "status": "expired"}, approve, NOW)
    with pytest.raises(ReviewNotFound):
        check_decidable(None, approve, NOW)


def test_reopen_needs_the_right_earlier_verdict():
    photo = {"photoId": "p", "objectKey": "uploads/d/p.jpg", "designer": "d"}
    rejected = [{"verdict": "rejected", "decidedBy": "policy", "photo": photo, "reasons": ["off-topic"], "labels": []}]
    doc = reopen_input("appeal", "b", "uploads/d/p.jpg", rejected, "d", "please", REVIEW, NOW)
    assert doc["reopen"]["reasons"] == ["Appeal by d: please", "off-topic"] and doc["detail"]["object"]["key"]
    with pytest.raises(ReviewConflict):
        reopen_input("release", "b", "k", rejected, "o", "n", REVIEW, NOW)
    with pytest.raises(ReviewConflict, match="not a usable image"):
        reopen_input("appeal", "b", "k", [{**rejected[0], "decidedBy": "inspection"}], "d", "n", REVIEW, NOW)
    with pytest.raises(ReviewNotFound):
        reopen_input("appeal", "b", "k", [], "d", "n", REVIEW, NOW)
    released = reopen_input(
        "release",
        "b",
        "k",
        [{**rejected[0], "verdict": "quarantined"}],
        "o",
        "n",
        {**REVIEW, "onTimeout": "approved"},
        NOW,
    )
    assert released["reopen"]["review"]["onTimeout"] == "rejected"  # never published unseen


def test_a_release_must_end_before_the_quarantine_copy_expires():
    assert release_fits_retention(NOW - timedelta(days=10), 90, 7 * 86400, NOW)
    assert not release_fits_retention(NOW - timedelta(days=85), 90, 7 * 86400, NOW)


def test_review_email_escapes_html_and_never_holds_the_token():
    review = pending_review(request())
    email = messages.review_request(review, "https://g/reviews/p", "https://console/x")
    assert email.subject == "Review needed: upload from d"
    assert "unsure <b>" in email.text and "unsure &lt;b&gt;" in email.html and "https://g/reviews/p" in email.html
    reminder = messages.review_request(review, "https://g/reviews/p", "https://console/x", reminder=True)
    assert reminder.subject.startswith("Reminder: ")
    assert TOKEN not in email.text + email.html + reminder.text + str(email.sns())
