"""Human review: the pending review a workflow waits on, and the rules for the owner's decision.

The task token that lets a decision continue the workflow is a secret: it lives only in the review store
(server-side), never in what this module returns to callers, in emails or in logs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

PENDING, APPROVED, REJECTED, EXPIRED = "pending", "approved", "rejected", "expired"
DECISIONS = {"approve": APPROVED, "reject": REJECTED}
KINDS = ("upload", "appeal", "release")
NOTE_LIMIT = 500


class ReviewError(Exception):
    status = 400


class ReviewNotFound(ReviewError):
    status = 404


class ReviewConflict(ReviewError):
    status = 409


class ReviewGone(ReviewError):
    status = 410


def parse_time(value: str) -> datetime:
    """ISO 8601 as Step Functions writes it ($$.State.EnteredTime), with or without a Z."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def pending_review(request: dict[str, Any]) -> dict[str, Any]:
    """The review record for a RequestReview call (stage "ask" or "remind"), without its token."""
    photo, decision = request["photo"], request["decision"]
    settings = decision.get("review") or {}
    asked = parse_time(request["askedAt"])
    if request["stage"] == "ask":
        deadline = asked + timedelta(seconds=int(settings.get("timeoutSeconds", 0)))
        reminder = asked + timedelta(seconds=int(settings.get("firstWaitSeconds", 0)))
    else:
        deadline = reminder = asked + timedelta(seconds=int(settings.get("reminderWaitSeconds", 0)))
    kind = decision.get("kind") if decision.get("kind") in KINDS else "upload"
    return {
        "photoId": photo["photoId"],
        "objectKey": photo["objectKey"],
        "designer": photo.get("designer", ""),
        "title": str(photo.get("title") or ""),
        "uploader": photo.get("uploader") or {},
        "kind": kind,
        "stage": request["stage"],
        "status": PENDING,
        "reasons": [str(r) for r in decision.get("reasons", [])],
        "labels": decision.get("labels", []),
        "moderation": decision.get("moderation", []),
        "requestedBy": str(decision.get("decidedBy") or "policy"),
        "requestedAt": request["askedAt"] if request["stage"] == "ask" else request.get("requestedAt", ""),
        "remindAt": iso(reminder),
        "deadline": iso(deadline),
        "onTimeout": settings.get("onTimeout", REJECTED),
        "execution": request["execution"],
    }


@dataclass(frozen=True)
class OwnerDecision:
    verdict: str  # approved | rejected
    note: str
    by: str
    at: str

    def callback_output(self) -> str:
        """What SendTaskSuccess hands to the waiting workflow (its AskOwner ResultSelector)."""
        return json.dumps({"verdict": self.verdict, "note": self.note, "by": self.by, "at": self.at})


def owner_decision(body: dict[str, Any], who: str, now: datetime) -> OwnerDecision:
    note = " ".join(str(body.get("note", "")).split())[:NOTE_LIMIT]
    return OwnerDecision(DECISIONS[body["decision"]], note or "no note", who, iso(now))


def check_decidable(review: dict[str, Any] | None, decision: OwnerDecision, now: datetime) -> bool:
    """True when the decision must be sent; False when it repeats the decision already taken (idempotent).

    Raises ReviewNotFound, ReviewGone (timed out) or ReviewConflict (a different decision was taken).
    """
    if review is None:
        raise ReviewNotFound("No review is pending for this photo.")
    status = review.get("status")
    if status == EXPIRED or (status == PENDING and parse_time(review["deadline"]) <= now):
        raise ReviewGone(
            f"The review timed out at {review['deadline']}; the policy decided: {review.get('onTimeout')}."
        )
    if status == decision.verdict:
        return False
    if status in (APPROVED, REJECTED):
        raise ReviewConflict(
            f"This photo was already {status} by {review.get('decidedBy')} at {review.get('decidedAt')}."
        )
    return True


def public_view(review: dict[str, Any]) -> dict[str, Any]:
    """What the API shows the owner (never the token)."""
    return {k: v for k, v in review.items() if k != "taskToken"}


REOPEN_VERDICTS = {"appeal": "rejected", "release": "quarantined"}


def reopen_input(
    kind: str,
    bucket: str,
    object_key: str,
    history: list[dict[str, Any]],
    who: str,
    note: str,
    review_settings: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """The image workflow's input for an appeal or a quarantine release (it enters at the review step).

    Raises ReviewNotFound (no such upload) or ReviewConflict (not in a state this request applies to).
    """
    if not history:
        raise ReviewNotFound("No decision is recorded for this upload.")
    latest = history[-1]
    wanted = REOPEN_VERDICTS[kind]
    if latest.get("verdict") != wanted:
        raise ReviewConflict(
            f"Only a {wanted} upload can be {'appealed' if kind == 'appeal' else 'released'}; "
            f"this one is {latest.get('verdict')}."
        )
    if latest.get("decidedBy") == "inspection":
        raise ReviewConflict("This upload is not a usable image; upload a new photo instead of appealing.")
    photo = latest.get("photo")
    if not isinstance(photo, dict) or not photo.get("photoId"):
        raise ReviewConflict("This upload's record predates reviews and cannot be reopened.")
    settings = dict(review_settings)
    lead = f"Appeal by {who}: {note}" if kind == "appeal" else f"Release from quarantine requested by {who}: {note}"
    if kind == "release":
        settings["onTimeout"] = REJECTED  # never publish withheld content unseen: it stays in quarantine
    previous: list[Any] = latest["reasons"] if isinstance(latest.get("reasons"), list) else []
    return {
        "source": "salon.insights",
        "detail-type": "ReviewReopened",
        "time": iso(now),
        "detail": {"bucket": {"name": bucket}, "object": {"key": object_key}},
        "reopen": {
            "kind": kind,
            "note": note,
            "requestedBy": who,
            "photo": {"title": "", "description": "", **photo},  # records from before captions have none
            "reasons": [lead, *[str(r) for r in previous]],
            "labels": latest.get("labels") if isinstance(latest.get("labels"), list) else [],
            "moderation": latest.get("moderation") if isinstance(latest.get("moderation"), list) else [],
            "review": settings,
        },
    }


def release_fits_retention(last_modified: datetime, retention_days: int, timeout_seconds: int, now: datetime) -> bool:
    """A quarantined object may be released only if the lifecycle rule cannot expire it before the review ends."""
    expires = last_modified + timedelta(days=retention_days)
    return now + timedelta(seconds=timeout_seconds) + timedelta(days=1) < expires
