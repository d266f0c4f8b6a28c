"""Reconciliation: the invariants both workflows promise, checked over what they left behind, and repaired
where a repair is safe. Pure logic over two ports (records, workflows) and the search index port; the
`salon reconcile` command and the scheduled reconcile function on AWS both run `reconcile()`.

Invariants:
1. Every upload key has exactly one current state: a terminal decision (approved, rejected, quarantined,
   failed), or a decision still to come within its deadline (a running execution, or a review whose deadline
   has not passed). An upload with no decision and no running execution past the deadline is re-run.
   A published photo has an approval; a quarantined upload is no longer under uploads/.
2. Every comment is analysed, held for moderation or failed with a record (its error). A comment left in
   `received` past the deadline whose execution is no longer running is marked failed and re-run.
3. Each design's meter equals the sum over its analysed comments (repaired by writing those totals).
4. The photos index holds exactly the published photos, the comments index exactly the analysed comments
   (missing documents are written from the records, extra ones deleted).
Items still in flight (younger than the grace period, or with a running execution) are counted as pending
and not judged.
"""

from __future__ import annotations

import json
import math
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from functions import names
from functions.domain import screening
from functions.ports import SearchIndex

TERMINAL_VERDICTS = frozenset({"approved", "rejected", "quarantined", "failed"})
WAITING_VERDICTS = frozenset({"review", "pending-review"})
COMMENT_SETTLED = frozenset({"analyzed", "held"})
SENTIMENTS = ("POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED", "UNSCORED")
RUNNING = "RUNNING"


# -- what the records hold ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Upload:
    """The current object for an upload key (under uploads/, or its quarantined copy)."""

    key: str
    etag: str
    size: int
    uploaded_at: datetime
    version: str | None = None
    visible: bool = True  # still under uploads/ (False: only the quarantined copy is left)


@dataclass(frozen=True)
class Decision:
    key: str
    verdict: str
    execution: str = ""
    error: str = ""
    deadline: datetime | None = None  # a review's deadline


@dataclass(frozen=True)
class Photo:
    photo_id: str
    key: str
    status: str
    designer: str
    labels: list[Any] = field(default_factory=list)
    uploaded_at: str = ""
    published_at: str = ""


@dataclass(frozen=True)
class Comment:
    comment_id: str
    design_id: str
    status: str
    designer: str = ""
    text: str = ""
    author: dict[str, Any] = field(default_factory=dict)
    submitted_at: str = ""
    execution: str = ""
    language: str = ""
    sentiment: str = ""
    scores: dict[str, float] = field(default_factory=dict)
    analyzed_at: str = ""
    error: str = ""
    public_text: str | None = None  # personal data masked (None: screened before masking existed)
    visibility: str = ""  # shown, held or rejected ("" before screening existed: shown)

    def detail(self) -> dict[str, Any]:
        """The CommentSubmitted detail this comment came from (to run it again)."""
        return {
            "commentId": self.comment_id,
            "designId": self.design_id,
            "designer": self.designer,
            "text": self.text,
            "author": self.author,
            "submittedAt": self.submitted_at,
        }


@dataclass(frozen=True)
class Meter:
    design_id: str
    counts: dict[str, int]  # per sentiment, plus "comments" and "scored"
    positivity_sum: float
    updated_at: str = ""


@dataclass(frozen=True)
class Totals:
    counts: dict[str, int]
    positivity_sum: float

    def matches(self, meter: Meter | None) -> bool:
        have = meter.counts if meter else {}
        if any(int(have.get(k, 0)) != v for k, v in self.counts.items()):
            return False
        if meter and any(v for k, v in meter.counts.items() if k not in self.counts):
            return False
        return math.isclose(meter.positivity_sum if meter else 0.0, self.positivity_sum, abs_tol=1e-6)


# -- ports -------------------------------------------------------------------------------------------
class Records(ABC):
    """The stores both workflows write: objects, decisions, photos, comments, meters."""

    @abstractmethod
    def uploads(self) -> list[Upload]: ...

    @abstractmethod
    def decisions(self) -> dict[str, Decision]: ...

    @abstractmethod
    def photos(self) -> list[Photo]: ...

    @abstractmethod
    def comments(self) -> list[Comment]: ...

    @abstractmethod
    def meters(self) -> dict[str, Meter]: ...

    @abstractmethod
    def mark_comment_failed(self, comment: Comment, error: str, cause: str) -> bool:
        """Records a failure on a comment still `received` (conditional); False if it moved on meanwhile."""

    @abstractmethod
    def set_meter(self, design_id: str, totals: Totals, expected: Meter | None) -> bool:
        """Writes the totals unless the meter changed since `expected` was read; False if it did."""


class Workflows(ABC):
    @abstractmethod
    def upload_status(self, upload: Upload) -> str | None:
        """Status of the execution the upload's event started (None: there is none)."""

    @abstractmethod
    def execution_status(self, execution_arn: str) -> str | None: ...

    @abstractmethod
    def rerun_upload(self, upload: Upload, suffix: str) -> str:
        """Starts the image workflow again for the upload; returns the execution name."""

    @abstractmethod
    def rerun_comment(self, comment: Comment, suffix: str) -> str:
        """Starts the comment workflow again with the comment's own detail; returns the execution name."""


# -- the report --------------------------------------------------------------------------------------
@dataclass
class Finding:
    check: str  # upload-undecided, upload-review-overdue, ..., see CHECKS
    subject: str
    detail: str
    repair: str | None = None  # what was done, None when nothing was (or could be)


CHECKS = {
    "upload-undecided": "upload with no decision past the deadline and no running execution (re-run)",
    "upload-still-running": "upload execution still running past the hard deadline",
    "upload-review-overdue": "review past its deadline without a decision",
    "upload-unknown-verdict": "decision with a verdict the workflow never writes",
    "photo-without-approval": "published photo whose upload's decision is not an approval (a failed one: re-run)",
    "approval-without-photo": "approved upload without a published photo record",
    "quarantine-visible": "quarantined upload still under uploads/",
    "comment-stuck": "comment left in `received` past the deadline, execution not running (re-run)",
    "comment-failed-without-record": "failed comment without the error that failed it",
    "comment-unknown-status": "comment with a status the workflow never writes",
    "meter-mismatch": "meter totals differ from the design's analysed comments (rewritten)",
    "index-missing": "published photo or analysed comment missing from the index (indexed)",
    "index-extra": "index document for something not published / not analysed (deleted)",
}


@dataclass
class Report:
    checked: dict[str, int] = field(default_factory=dict)
    pending: dict[str, int] = field(default_factory=lambda: {"uploads": 0, "comments": 0})
    findings: list[Finding] = field(default_factory=list)
    repair: bool = True

    def found(self, check: str, subject: str, detail: str, repair: str | None = None) -> None:
        self.findings.append(Finding(check, subject, detail, repair))

    @property
    def clean(self) -> bool:
        return not self.findings

    @property
    def repaired(self) -> int:
        return sum(1 for f in self.findings if f.repair)

    def to_dict(self) -> dict[str, Any]:
        return {
            "clean": self.clean,
            "checked": self.checked,
            "pending": self.pending,
            "findings": [asdict(f) for f in self.findings],
            "repaired": self.repaired,
            "unrepaired": len(self.findings) - self.repaired,
        }


@dataclass(frozen=True)
class Deadlines:
    upload: timedelta = timedelta(minutes=15)  # an upload without a decision after this is stuck
    upload_running: timedelta = timedelta(hours=2)  # an image execution running longer than this is reported
    comment: timedelta = timedelta(minutes=15)
    grace: timedelta = timedelta(minutes=2)  # index and meter checks leave items this young alone


def _parse_time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def photo_id_of(key: str) -> str:
    """uploads/<designer>/<photoId>.<ext> -> photoId."""
    return key.rsplit("/", 1)[-1].split(".", 1)[0]


def expected_totals(comments: list[Comment]) -> Totals:
    counts = dict.fromkeys(SENTIMENTS, 0) | {"comments": 0, "scored": 0}
    positivity = 0.0
    for comment in comments:
        counts["comments"] += 1
        counts[comment.sentiment if comment.sentiment in SENTIMENTS else "UNSCORED"] += 1
        if comment.sentiment and comment.sentiment != "UNSCORED":
            counts["scored"] += 1
            positivity += float(comment.scores.get("Positive", 0.0))
    return Totals(counts, positivity)


def photo_document(photo: Photo) -> dict[str, Any]:
    """The photos index document, as the image workflow's IndexPhoto state writes it."""
    return {
        "photoId": photo.photo_id,
        "designer": photo.designer,
        "labels": photo.labels,
        "objectKey": photo.key,
        "publishedAt": photo.published_at,
        "uploadedAt": photo.uploaded_at,
    }


def comment_document(comment: Comment) -> dict[str, Any]:
    """The comments index document, as the comment workflow's IndexComment state writes it."""
    scored = 0 if comment.sentiment in ("", "UNSCORED") else 1
    return {
        "commentId": comment.comment_id,
        "designId": comment.design_id,
        "designer": comment.designer,
        "author": str(comment.author.get("username", "")),
        "authorSub": str(comment.author.get("sub", "")),
        "language": comment.language,
        "sentiment": comment.sentiment or "UNSCORED",
        "scores": comment.scores,
        "positive": float(comment.scores.get("Positive", 0.0)) if scored else 0,
        "scored": scored,
        "submittedAt": comment.submitted_at,
        "analyzedAt": comment.analyzed_at,
        "text": comment.public_text
        if comment.public_text is not None
        else screening.mask(comment.text, screening.find_personal_data(comment.text)),
        "visibility": comment.visibility or screening.SHOWN,
    }


# -- the checks --------------------------------------------------------------------------------------
def check_uploads(
    report: Report, records: Records, workflows: Workflows, photos: list[Photo], now: datetime, limits: Deadlines
) -> None:
    uploads, decisions = records.uploads(), records.decisions()
    published = {p.photo_id: p for p in photos if p.status == "published"}
    report.checked["uploads"] = len(uploads)
    suffix = f"rc{int(now.timestamp())}"
    for upload in uploads:
        decision = decisions.get(upload.key)
        age = now - upload.uploaded_at
        if decision is None:
            if age < limits.upload:
                report.pending["uploads"] += 1
                continue
            status = workflows.upload_status(upload)
            if status == RUNNING:
                report.pending["uploads"] += 1
                if age > limits.upload_running:
                    report.found("upload-still-running", upload.key, f"execution running for {age}")
                continue
            repair = workflows.rerun_upload(upload, suffix) if report.repair else None
            detail = f"no decision after {age}; its execution is {status or 'missing'}"
            report.found("upload-undecided", upload.key, detail, repair and f"re-run as {repair}")
            continue
        if decision.verdict in WAITING_VERDICTS:
            if decision.deadline is not None and decision.deadline < now:
                report.found("upload-review-overdue", upload.key, f"review deadline {decision.deadline} passed")
            else:
                report.pending["uploads"] += 1
            continue
        if decision.verdict not in TERMINAL_VERDICTS:
            report.found("upload-unknown-verdict", upload.key, f"verdict {decision.verdict!r}")
            continue
        photo_id = photo_id_of(upload.key)
        if decision.verdict == "approved" and photo_id not in published:
            report.found("approval-without-photo", upload.key, "approved, but no published photo record")
        if decision.verdict != "approved" and photo_id in published:
            detail = f"photo is published but the verdict is {decision.verdict}"
            repair = None
            if decision.verdict == "failed" and report.repair and workflows.upload_status(upload) != RUNNING:
                # published, then a later state failed (the index, the event): judging the same version again
                # runs on through the idempotent publish states to the approval
                repair = f"re-run as {workflows.rerun_upload(upload, suffix)}"
            report.found("photo-without-approval", upload.key, detail, repair)
        if decision.verdict == "quarantined" and upload.visible:
            report.found("quarantine-visible", upload.key, "quarantined, but the object is still under uploads/")


def check_comments(
    report: Report, records: Records, workflows: Workflows, comments: list[Comment], now: datetime, limits: Deadlines
) -> set[str]:
    """Returns the designs with a comment still in flight (their meters are not judged)."""
    in_flight: set[str] = set()
    report.checked["comments"] = len(comments)
    suffix = f"rc{int(now.timestamp())}"
    for comment in comments:
        if comment.status in COMMENT_SETTLED:
            continue
        if comment.status == "failed":
            if not comment.error:
                report.found("comment-failed-without-record", comment.comment_id, "status failed, no error recorded")
            continue
        if comment.status != "received":
            report.found("comment-unknown-status", comment.comment_id, f"status {comment.status!r}")
            continue
        submitted = _parse_time(comment.submitted_at)
        status = workflows.execution_status(comment.execution) if comment.execution else None
        if (submitted is not None and now - submitted < limits.comment) or status == RUNNING:
            report.pending["comments"] += 1
            in_flight.add(comment.design_id)
            continue
        detail = f"received at {comment.submitted_at}; its execution is {status or 'missing'}"
        repair = None
        if report.repair and records.mark_comment_failed(comment, "Reconcile.Stuck", detail):
            repair = f"marked failed and re-run as {workflows.rerun_comment(comment, suffix)}"
            in_flight.add(comment.design_id)
        report.found("comment-stuck", comment.comment_id, detail, repair)
    return in_flight


def _settled(stamp: str, now: datetime, limits: Deadlines) -> bool:
    moment = _parse_time(stamp)
    return moment is None or now - moment >= limits.grace


def check_meters(
    report: Report, records: Records, analysed: list[Comment], in_flight: set[str], now: datetime, limits: Deadlines
) -> None:
    meters = records.meters()
    by_design: dict[str, list[Comment]] = {}
    for comment in analysed:
        by_design.setdefault(comment.design_id, []).append(comment)
    designs = sorted(set(by_design) | set(meters))
    report.checked["meters"] = len(designs)
    for design_id in designs:
        meter = meters.get(design_id)
        if design_id in in_flight or (meter and not _settled(meter.updated_at, now, limits)):
            continue
        totals = expected_totals(by_design.get(design_id, []))
        if totals.matches(meter):
            continue
        have = dict(meter.counts, positivitySum=round(meter.positivity_sum, 6)) if meter else {}
        want = dict(totals.counts, positivitySum=round(totals.positivity_sum, 6))
        diff = {k: (have.get(k, 0), v) for k, v in want.items() if have.get(k, 0) != v}
        repair = None
        if report.repair and records.set_meter(design_id, totals, meter):
            repair = "meter rewritten from the analysed comments"
        report.found("meter-mismatch", design_id, f"meter vs comments: {diff}", repair)


def check_index(
    report: Report,
    index: SearchIndex,
    photos: list[Photo],
    analysed: list[Comment],
    pending_comments: set[str],
    now: datetime,
    limits: Deadlines,
) -> None:
    published = [p for p in photos if p.status == "published"]
    _match_index(
        report,
        index,
        names.PHOTOS_INDEX,
        {p.photo_id: photo_document(p) for p in published if _settled(p.published_at, now, limits)},
        {p.photo_id for p in published if not _settled(p.published_at, now, limits)},
    )
    _match_index(
        report,
        index,
        names.COMMENTS_INDEX,
        {c.comment_id: comment_document(c) for c in analysed if _settled(c.analyzed_at, now, limits)},
        {c.comment_id for c in analysed if not _settled(c.analyzed_at, now, limits)} | pending_comments,
    )


def _match_index(
    report: Report, index: SearchIndex, name: str, wanted: dict[str, dict[str, Any]], in_flight: set[str]
) -> None:
    """The index `name` should hold exactly `wanted` (documents in flight are left alone)."""
    held = set(index.ids(name))
    report.checked[f"{name}Indexed"] = len(held)
    for doc_id in sorted(wanted.keys() - held):
        repair = None
        if report.repair:
            index.index(name, doc_id, wanted[doc_id])
            repair = "indexed from its record"
        report.found("index-missing", f"{name}/{doc_id}", f"not in the {name} index", repair)
    for doc_id in sorted(held - wanted.keys() - in_flight):
        repair = None
        if report.repair:
            index.delete(name, doc_id)
            repair = "deleted from the index"
        report.found("index-extra", f"{name}/{doc_id}", f"in the {name} index but not {_what(name)}", repair)


def _what(index: str) -> str:
    return "published" if index == names.PHOTOS_INDEX else "analysed"


def reconcile(
    records: Records,
    workflows: Workflows,
    index: SearchIndex,
    now: datetime | None = None,
    repair: bool = True,
    limits: Deadlines | None = None,
) -> Report:
    """Checks every invariant once; with `repair`, fixes what can be fixed safely and says what it did."""
    now = now or datetime.now(UTC)
    limits = limits or Deadlines()
    report = Report(repair=repair)
    photos, comments = records.photos(), records.comments()
    check_uploads(report, records, workflows, photos, now, limits)
    in_flight = check_comments(report, records, workflows, comments, now, limits)
    analysed = [c for c in comments if c.status == "analyzed"]
    check_meters(report, records, analysed, in_flight, now, limits)
    pending = {c.comment_id for c in comments if c.status == "received" and c.design_id in in_flight}
    check_index(report, index, photos, analysed, pending, now, limits)
    return report


def summary_lines(report: Report) -> list[str]:
    """Plain-text lines: what was checked, what was found and what was done."""
    checked = ", ".join(f"{v} {k}" for k, v in report.checked.items())
    lines = [f"checked {checked}; pending {report.pending['uploads']} uploads, {report.pending['comments']} comments"]
    for finding in report.findings:
        action = finding.repair or ("not repaired" if report.repair else "check only")
        lines.append(f"{finding.check} {finding.subject}: {finding.detail} -> {action}")
    lines.append("clean" if report.clean else f"{len(report.findings)} findings, {report.repaired} repaired")
    return lines


def parse_json_object(text: str | None) -> dict[str, Any]:
    """DynamoDB stores JSON documents as strings; an unreadable one reads as empty."""
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
