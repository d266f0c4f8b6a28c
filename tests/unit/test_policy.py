import json

import pytest

from functions.config import default_moderation_policy
from functions.domain.policy import Policy, evaluate
from functions.errors import InvalidEventError


@pytest.fixture(scope="module")
def policy():
    return default_moderation_policy()


def label(name, confidence, parents=()):
    return {"Name": name, "Confidence": confidence, "Parents": [{"Name": p} for p in parents]}


def test_moderation_wins_over_an_on_topic_label(policy):
    decision = evaluate(
        policy, [{"Name": "Explicit Nudity", "ParentName": "Explicit", "Confidence": 81}], [label("Manicure", 99)]
    )
    assert decision.verdict == "quarantined" and "Explicit Nudity at 81.0%" in decision.reasons[0]


def test_moderation_below_threshold_does_not_quarantine(policy):
    decision = evaluate(
        policy, [{"Name": "Explicit Nudity", "ParentName": "Explicit", "Confidence": 79.9}], [label("Manicure", 99)]
    )
    assert decision.verdict == "approved"


def test_parent_category_matches(policy):
    decision = evaluate(policy, [{"Name": "Graphic Violence", "ParentName": "Violence", "Confidence": 90}], [])
    assert decision.verdict == "quarantined" and "category Violence" in decision.reasons[0]


def test_alias_counts_as_allowed_label(policy):
    decision = evaluate(policy, [], [label("Nail Art", 88)])
    assert decision.verdict == "approved" and "counts as Manicure" in decision.reasons[0]


def test_parent_counts_as_allowed_label(policy):
    assert evaluate(policy, [], [label("French Tips", 80, parents=["Manicure"])]).verdict == "approved"


def test_low_confidence_manicure_is_rejected_with_what_was_seen(policy):
    decision = evaluate(policy, [], [label("Hand", 99), label("Manicure", 60)])
    assert decision.verdict == "rejected"
    assert "Hand 99.0%" in decision.reasons[0] and "Manicure 60.0%" in decision.reasons[0]


def test_policy_document_is_validated():
    with pytest.raises(InvalidEventError):
        Policy.load(
            json.dumps(
                {
                    "version": 1,
                    "moderation": {"categories": {"Explicit": 120}},
                    "topic": {"allowedLabels": {"Manicure": 70}},
                }
            )
        )
    with pytest.raises(InvalidEventError):
        Policy.load(json.dumps({"version": 1, "moderation": {"categories": {}}, "topic": {"allowedLabels": {}}}))
