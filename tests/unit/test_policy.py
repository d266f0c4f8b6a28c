import json

import pytest

from functions.domain.policy import Policy, evaluate
from functions.errors import InvalidEventError


@pytest.fixture(scope="module")
def policy():
    return Policy.load()


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
    assert decision.verdict == "review"  # inside the category's review band
    below = evaluate(
        policy, [{"Name": "Explicit Nudity", "ParentName": "Explicit", "Confidence": 64.9}], [label("Manicure", 99)]
    )
    assert below.verdict == "approved"


def test_parent_category_matches(policy):
    decision = evaluate(policy, [{"Name": "Graphic Violence", "ParentName": "Violence", "Confidence": 90}], [])
    assert decision.verdict == "quarantined" and "category Violence" in decision.reasons[0]


def test_alias_counts_as_allowed_label(policy):
    decision = evaluate(policy, [], [label("Nail Art", 88)])
    assert decision.verdict == "approved" and "counts as Manicure" in decision.reasons[0]


def test_parent_counts_as_allowed_label(policy):
    assert evaluate(policy, [], [label("French Tips", 80, parents=["Manicure"])]).verdict == "approved"


def test_manicure_in_the_review_band_goes_to_review_with_what_was_seen(policy):
    decision = evaluate(policy, [], [label("Hand", 99), label("Manicure", 60)])
    assert decision.verdict == "review" and "review band (50.0% to 70.0%)" in decision.reasons[0]
    assert "Hand 99.0%" in decision.reasons[0] and "Manicure 60.0%" in decision.reasons[0]


def test_below_the_band_a_confidently_seen_hand_still_goes_to_review(policy):
    decision = evaluate(policy, [], [label("Hand", 95), label("Manicure", 30)])
    assert decision.verdict == "review" and "Hand seen at 95.0%" in decision.reasons[0]


def test_below_the_band_without_a_hand_is_rejected_with_what_was_seen(policy):
    decision = evaluate(policy, [], [label("Hand", 85), label("Manicure", 45)])
    assert decision.verdict == "rejected"
    assert "Hand 85.0%" in decision.reasons[0] and "Manicure 45.0%" in decision.reasons[0]


def test_review_when_hand_seen_can_be_switched_off():
    doc = {
        "version": 1,
        "moderation": {"categories": {"Explicit": 80}},
        "topic": {"allowedLabels": {"Manicure": 70}, "reviewFrom": 50, "reviewWhenHandSeen": {"enabled": False}},
    }
    assert evaluate(Policy.from_document(doc), [], [label("Hand", 99)]).verdict == "rejected"


def test_moderation_label_in_its_review_band_goes_to_review_not_quarantine(policy):
    decision = evaluate(
        policy, [{"Name": "Explicit Nudity", "ParentName": "Explicit", "Confidence": 70}], [label("Manicure", 99)]
    )
    assert decision.verdict == "review" and "review band of Explicit Nudity" in decision.reasons[0]


def test_a_moderation_doubt_is_never_approved_by_timeout():
    doc = {
        "version": 1,
        "moderation": {"categories": {"Explicit": 80}, "reviewMargin": 20},
        "topic": {"allowedLabels": {"Manicure": 70}, "reviewFrom": 50},
        "review": {"onTimeout": "approve"},
    }
    policy = Policy.from_document(doc)
    doubt = evaluate(policy, [{"Name": "Explicit", "Confidence": 70}], [label("Manicure", 99)])
    assert doubt.verdict == "review" and doubt.review["onTimeout"] == "rejected"
    unsure = evaluate(policy, [], [label("Manicure", 60)])
    assert unsure.verdict == "review" and unsure.review["onTimeout"] == "approved"


def test_review_settings_split_the_timeout_around_the_reminder(policy):
    review = policy.review.to_dict()
    assert review == {
        "timeoutSeconds": 7 * 86400,
        "firstWaitSeconds": 6 * 86400,
        "reminderWaitSeconds": 86400,
        "onTimeout": "rejected",
    }


def test_a_review_band_above_the_approve_threshold_is_refused():
    doc = {
        "version": 1,
        "moderation": {"categories": {"Explicit": 80}, "reviewFrom": {"Explicit": 90}},
        "topic": {"allowedLabels": {"Manicure": 70}},
    }
    with pytest.raises(InvalidEventError, match="review band of Explicit"):
        Policy.from_document(doc)
    doc = {
        "version": 1,
        "moderation": {"categories": {"Explicit": 80}},
        "topic": {"allowedLabels": {"Manicure": 70}, "reviewFrom": 75},
    }
    with pytest.raises(InvalidEventError, match="reviewFrom 75"):
        Policy.from_document(doc)


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
