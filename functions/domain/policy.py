"""The moderation policy: configuration (validated by a schema) applied to Rekognition's answers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from functions.errors import InvalidEventError
from functions.schemas import validate

DEFAULT_POLICY_PATH = Path(__file__).resolve().parents[2] / "config" / "moderation_policy.json"
APPROVED, REJECTED, QUARANTINED, REVIEW = "approved", "rejected", "quarantined", "review"
TIMEOUT_OUTCOMES = {"reject": REJECTED, "approve": APPROVED}
NOT_REVIEWED_IN_TIME = "Not reviewed in time"


@dataclass(frozen=True)
class ReviewSettings:
    """How long an upload waits for the owner and what the workflow does when nobody decides."""

    timeout_seconds: int = 7 * 24 * 3600
    reminder_seconds_before: int = 24 * 3600
    on_timeout: str = "reject"

    def to_dict(self) -> dict[str, Any]:
        """What the workflow reads: the two waits (before and after the reminder) and the timeout outcome."""
        reminder = min(self.reminder_seconds_before, self.timeout_seconds - 1) if self.timeout_seconds > 1 else 0
        return {
            "timeoutSeconds": self.timeout_seconds,
            "firstWaitSeconds": self.timeout_seconds - reminder,
            "reminderWaitSeconds": max(reminder, 1),
            "onTimeout": TIMEOUT_OUTCOMES[self.on_timeout],
        }


@dataclass(frozen=True)
class Policy:
    categories: dict[str, float]
    allowed: dict[str, float]
    aliases: dict[str, str] = field(default_factory=dict)
    match_parents: bool = True
    review_from: float | None = None  # topic review band: [review_from, allowed threshold)
    hand_labels: tuple[str, ...] = ()  # empty: reviewWhenHandSeen off
    hand_confidence: float = 90.0
    moderation_review_from: dict[str, float] = field(default_factory=dict)  # category -> start of its review band
    review: ReviewSettings = ReviewSettings()

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> Policy:
        validate(doc, "moderation_policy")
        topic, moderation = doc["topic"], doc["moderation"]
        categories = dict(moderation["categories"])
        margin = float(moderation.get("reviewMargin", 0))
        review_from = {name: limit - margin for name, limit in categories.items() if margin > 0}
        review_from.update(moderation.get("reviewFrom", {}))
        unknown = set(review_from) - set(categories)
        if unknown:
            raise InvalidEventError(f"moderation_policy: reviewFrom names unknown categories {sorted(unknown)}")
        for name, start in review_from.items():
            if start > categories[name]:
                raise InvalidEventError(
                    f"moderation_policy: the review band of {name} starts at {start}, "
                    f"above its limit {categories[name]}"
                )
        hands = topic.get("reviewWhenHandSeen", {"enabled": False})
        allowed = dict(topic["allowedLabels"])
        start = topic.get("reviewFrom")
        if start is not None and start > min(allowed.values()):
            raise InvalidEventError(
                f"moderation_policy: topic.reviewFrom {start} is above an approve threshold ({min(allowed.values())})"
            )
        review = doc.get("review", {})
        return cls(
            categories,
            allowed,
            dict(topic.get("aliases", {})),
            bool(topic.get("matchParents", True)),
            None if start is None else float(start),
            tuple(hands.get("labels", ("Hand", "Finger", "Nail"))) if hands.get("enabled", True) else (),
            float(hands.get("confidence", 90)),
            review_from,
            ReviewSettings(
                int(review.get("timeoutSeconds", 7 * 24 * 3600)),
                int(review.get("reminderSecondsBefore", 24 * 3600)),
                str(review.get("onTimeout", "reject")),
            ),
        )

    @classmethod
    def load(cls, text: str | None = None) -> Policy:
        return cls.from_document(json.loads(text if text else DEFAULT_POLICY_PATH.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Decision:
    verdict: str
    reasons: list[str]
    labels: list[dict[str, Any]]
    moderation: list[dict[str, Any]]
    review: dict[str, Any] = field(default_factory=dict)  # the review settings (always given to the workflow)

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "reasons": self.reasons,
            "labels": self.labels,
            "moderation": self.moderation,
            "review": self.review,
            "decidedBy": "policy",
        }


def _pct(value: float) -> str:
    return f"{value:.1f}%"


def _moderation_findings(policy: Policy, moderation: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """(labels at or above their category's limit, labels inside their category's review band)."""
    findings, doubts = [], []
    for label in moderation:
        confidence = float(label.get("Confidence", 0))
        for name in (label.get("Name", ""), label.get("ParentName", "")):
            threshold = policy.categories.get(name)
            if not name or threshold is None:
                continue
            if confidence >= threshold:
                findings.append(
                    f"Moderation label {label['Name']} at {_pct(confidence)} "
                    f"(category {name}, limit {_pct(threshold)})."
                )
                break
            start = policy.moderation_review_from.get(name)
            if start is not None and confidence >= start:
                doubts.append(
                    f"Moderation label {label['Name']} at {_pct(confidence)} is in the review band of "
                    f"{name} ({_pct(start)} to {_pct(threshold)}): the owner decides."
                )
                break
    return findings, doubts


def _allowed_names(policy: Policy, label: dict[str, Any]) -> list[str]:
    name = label.get("Name", "")
    candidates = [name, policy.aliases.get(name, "")]
    if policy.match_parents:
        candidates += [p.get("Name", "") for p in label.get("Parents", [])]
    return list(dict.fromkeys(c for c in candidates if c in policy.allowed))


def best_allowed(policy: Policy, labels: list[dict[str, Any]]) -> tuple[str, float] | None:
    """The allowed label (after aliases and parents) with the highest confidence, or None."""
    best: tuple[str, float] | None = None
    for label in labels:
        confidence = float(label.get("Confidence", 0))
        for allowed in _allowed_names(policy, label):
            if best is None or confidence > best[1]:
                best = (allowed, confidence)
    return best


def _review_reason(policy: Policy, labels: list[dict[str, Any]]) -> str | None:
    """Why an upload that is not approved goes to review rather than being rejected, or None."""
    best = best_allowed(policy, labels)
    if best is not None and policy.review_from is not None and best[1] >= policy.review_from:
        limit = policy.allowed[best[0]]
        return (
            f"{best[0]} at {_pct(best[1])} is in the review band ({_pct(policy.review_from)} to {_pct(limit)}): "
            "the owner decides."
        )
    for label in labels:
        name, confidence = label.get("Name", ""), float(label.get("Confidence", 0))
        if name in policy.hand_labels and confidence >= policy.hand_confidence:
            return f"{name} seen at {_pct(confidence)} but no manicure label is sure enough: the owner decides."
    return None


def _topic_matches(policy: Policy, labels: list[dict[str, Any]]) -> list[str]:
    matches = []
    for label in labels:
        name, confidence = label.get("Name", ""), float(label.get("Confidence", 0))
        for allowed in _allowed_names(policy, label):
            if confidence >= policy.allowed[allowed]:
                via = "" if allowed == name else f" (counts as {allowed})"
                limit = _pct(policy.allowed[allowed])
                matches.append(f"{name} at {_pct(confidence)}{via} is on-topic (limit {limit}).")
                break
    return matches


def evaluate(policy: Policy, moderation: list[dict[str, Any]], labels: list[dict[str, Any]]) -> Decision:
    """Moderation first (never publish what must be withheld), then the topic allow-list and its review band."""
    summary = [{"name": lb.get("Name", ""), "confidence": round(float(lb.get("Confidence", 0)), 1)} for lb in labels]
    mod_summary = [
        {
            "name": lb.get("Name", ""),
            "parent": lb.get("ParentName", ""),
            "confidence": round(float(lb.get("Confidence", 0)), 1),
        }
        for lb in moderation
    ]
    review = policy.review.to_dict()
    findings, doubts = _moderation_findings(policy, moderation)
    if findings:
        return Decision(QUARANTINED, findings, summary, mod_summary, review)
    matches = _topic_matches(policy, labels)
    if doubts:  # never publish unseen what might have to be withheld: a timeout rejects
        return Decision(REVIEW, doubts + matches, summary, mod_summary, {**review, "onTimeout": REJECTED})
    if matches:
        return Decision(APPROVED, matches, summary, mod_summary, review)
    wanted = " or ".join(f"{name} at {_pct(v)} or more" for name, v in policy.allowed.items())
    seen = ", ".join(f"{s['name']} {_pct(s['confidence'])}" for s in summary[:6]) or "no labels"
    unsure = _review_reason(policy, labels)
    if unsure:
        return Decision(REVIEW, [f"{unsure} Seen: {seen}."], summary, mod_summary, review)
    return Decision(
        REJECTED,
        [f"This does not look like a manicure: the gallery needs {wanted}. Seen: {seen}."],
        summary,
        mod_summary,
        review,
    )
