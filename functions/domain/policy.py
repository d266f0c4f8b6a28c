"""The moderation policy: configuration (validated by a schema) applied to Rekognition's answers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from functions.schemas import validate

APPROVED, REJECTED, QUARANTINED = "approved", "rejected", "quarantined"


@dataclass(frozen=True)
class Policy:
    categories: dict[str, float]
    allowed: dict[str, float]
    aliases: dict[str, str] = field(default_factory=dict)
    match_parents: bool = True

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> Policy:
        validate(doc, "moderation_policy")
        topic = doc["topic"]
        return cls(
            dict(doc["moderation"]["categories"]),
            dict(topic["allowedLabels"]),
            dict(topic.get("aliases", {})),
            bool(topic.get("matchParents", True)),
        )

    @classmethod
    def load(cls, text: str) -> Policy:
        """From the policy document's JSON text (functions/config.py loads config/moderation_policy.json)."""
        return cls.from_document(json.loads(text))


@dataclass(frozen=True)
class Decision:
    verdict: str
    reasons: list[str]
    labels: list[dict[str, Any]]
    moderation: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "reasons": self.reasons, "labels": self.labels, "moderation": self.moderation}


def _pct(value: float) -> str:
    return f"{value:.1f}%"


def _moderation_findings(policy: Policy, moderation: list[dict[str, Any]]) -> list[str]:
    findings = []
    for label in moderation:
        confidence = float(label.get("Confidence", 0))
        for name in (label.get("Name", ""), label.get("ParentName", "")):
            threshold = policy.categories.get(name)
            if name and threshold is not None and confidence >= threshold:
                findings.append(
                    f"Moderation label {label['Name']} at {_pct(confidence)} "
                    f"(category {name}, limit {_pct(threshold)})."
                )
                break
    return findings


def _topic_matches(policy: Policy, labels: list[dict[str, Any]]) -> list[str]:
    matches = []
    for label in labels:
        name, confidence = label.get("Name", ""), float(label.get("Confidence", 0))
        candidates = [name, policy.aliases.get(name, "")]
        if policy.match_parents:
            candidates += [p.get("Name", "") for p in label.get("Parents", [])]
        for allowed in dict.fromkeys(c for c in candidates if c in policy.allowed):
            if confidence >= policy.allowed[allowed]:
                via = "" if allowed == name else f" (counts as {allowed})"
                limit = _pct(policy.allowed[allowed])
                matches.append(f"{name} at {_pct(confidence)}{via} is on-topic (limit {limit}).")
                break
    return matches


def evaluate(policy: Policy, moderation: list[dict[str, Any]], labels: list[dict[str, Any]]) -> Decision:
    """Moderation first (never publish what must be withheld), then the topic allow-list."""
    summary = [{"name": lb.get("Name", ""), "confidence": round(float(lb.get("Confidence", 0)), 1)} for lb in labels]
    mod_summary = [
        {
            "name": lb.get("Name", ""),
            "parent": lb.get("ParentName", ""),
            "confidence": round(float(lb.get("Confidence", 0)), 1),
        }
        for lb in moderation
    ]
    findings = _moderation_findings(policy, moderation)
    if findings:
        return Decision(QUARANTINED, findings, summary, mod_summary)
    matches = _topic_matches(policy, labels)
    if matches:
        return Decision(APPROVED, matches, summary, mod_summary)
    wanted = " or ".join(f"{name} at {_pct(v)} or more" for name, v in policy.allowed.items())
    seen = ", ".join(f"{s['name']} {_pct(s['confidence'])}" for s in summary[:6]) or "no labels"
    return Decision(
        REJECTED,
        [f"This does not look like a manicure: the gallery needs {wanted}. Seen: {seen}."],
        summary,
        mod_summary,
    )
