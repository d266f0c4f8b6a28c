"""Comment screening rules: personal-data patterns, segments and the combine rule, the policy's outcome."""

from __future__ import annotations

import json

import pytest

from functions.config import default_comment_policy
from functions.domain import screening
from functions.domain.screening import ScreeningError, Span, combine, find_personal_data, luhn, mask, segments
from functions.errors import InvalidEventError


def found(text: str) -> list[tuple[str, str]]:
    return [(s.type, text[s.begin : s.end]) for s in find_personal_data(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to ann.lee+nails@example.co.uk today", [("EMAIL", "ann.lee+nails@example.co.uk")]),
        ("escríbeme a maría@correo.es", [("EMAIL", "maría@correo.es")]),
        ("ann [at] example [dot] com", [("EMAIL", "ann [at] example [dot] com")]),
        ("see https://example.com/a?b=1.", [("URL", "https://example.com/a?b=1")]),
        ("see www.nails.shop/promo, now", [("URL", "www.nails.shop/promo")]),
        ("visit mysalon.com for more", [("URL", "mysalon.com")]),
        ("call +44 20 7946 0958 now", [("PHONE", "+44 20 7946 0958")]),
        ("ring (555) 123-4567", [("PHONE", "(555) 123-4567")]),
        ("appelle le 06 12 34 56 78", [("PHONE", "06 12 34 56 78")]),
        ("card 4111 1111 1111 1111 thanks", [("CREDIT_DEBIT_NUMBER", "4111 1111 1111 1111")]),
        ("card 5500-0000-0000-0004", [("CREDIT_DEBIT_NUMBER", "5500-0000-0000-0004")]),
        ("رقمي ٠٥٠١٢٣٤٥٦٧", [("PHONE", "٠٥٠١٢٣٤٥٦٧")]),  # Arabic-Indic digits
        ("llámame al 612 345 678", [("PHONE", "612 345 678")]),  # grouped in threes, still a phone
        ("paid with (5500-0000-0000-0004).", [("CREDIT_DEBIT_NUMBER", "5500-0000-0000-0004")]),
        ("from 192.168.10.20.", [("IP_ADDRESS", "192.168.10.20")]),  # not a phone
    ],
)
def test_patterns_find_personal_data_in_any_language(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "booked on 2026-12-01 at 14:30",
        "paid $1234567 for all of it",  # a price
        "we had 1 000 000 visitors",  # thousands separators
        "100 000 000 views and 12.500.000 likes",
        "only 12 colours and 3 coats",
        "the nail.polish was great",  # not a known top-level domain
        "4111 1111 1111 1112",  # fails Luhn, too long for a phone
        "version 1.2.3 of the app",
    ],
)
def test_patterns_leave_ordinary_text_alone(text):
    assert found(text) == []


def test_luhn():
    assert luhn("4111111111111111") and luhn("79927398713")
    assert not luhn("4111111111111112") and not luhn("") and not luhn("12a4")


def test_offsets_are_code_points_so_emoji_and_non_bmp_text_mask_right():
    text = "💅🏽𝒜 ann@example.com 😀 +33 6 12 34 56 78"
    assert mask(text, find_personal_data(text)) == "💅🏽𝒜 [email] 😀 [phone]"
    [email, phone] = find_personal_data(text)
    assert (email.begin, email.end) == (4, 19)  # 3 code points before it (6 UTF-16 units in a browser)
    assert (phone.type, phone.end) == ("PHONE", len(text))


def test_overlapping_spans_merge_into_the_longest_type():
    spans = [Span(0, 5, "NAME", "comprehend"), Span(3, 18, "EMAIL")]
    assert mask("Annie.lee@mail.com hi", spans) == "[email] hi"


def test_segments_pack_sentences_up_to_one_kilobyte_and_never_split_a_code_point():
    text = ("Très joli vernis, merci. " * 60).strip()  # about 1.6 KB
    parts = segments(text)
    assert len(parts) == 2 and all(len(p.encode()) <= 1024 for p in parts)
    assert " ".join(parts) == text
    emoji = "💅" * 600  # 2400 bytes, no space to cut at
    parts = segments(emoji)
    assert [len(p.encode()) for p in parts] == [1024, 1024, 352] and "".join(parts) == emoji


def test_the_longest_comment_fits_ten_segments():
    worst = ("a" * 1020 + " ") * 4 + "b" * 900  # 5000 bytes with spaces just past each boundary
    assert 1 <= len(segments(worst[:5000])) <= screening.MAX_SEGMENTS
    with pytest.raises(ScreeningError, match="segments"):
        segments("word " * 3000)


def test_blank_text_has_no_segments():
    assert segments("  \n  ") == []


def test_combine_takes_the_maximum_per_label_over_segments():
    results = [
        {"Labels": [{"Name": "INSULT", "Score": 0.2}, {"Name": "PROFANITY", "Score": 0.7}], "Toxicity": 0.7},
        {"Labels": [{"Name": "INSULT", "Score": 0.9}], "Toxicity": 0.8},
    ]
    combined = combine(results)
    assert combined["INSULT"] == 0.9 and combined["PROFANITY"] == 0.7 and combined["TOXICITY"] == 0.8
    assert combined["SEXUAL"] == 0.0
    with pytest.raises(ScreeningError):
        combine([{"Labels": [{"Name": "INSULT", "Score": 1.5}], "Toxicity": 0.1}])


def result(**scores: float) -> dict:
    return {"Labels": [{"Name": k, "Score": v} for k, v in scores.items()], "Toxicity": max(scores.values())}


def test_the_policy_holds_rejects_or_shows():
    policy = default_comment_policy().screening
    shown = screening.decide(policy, "Lovely", "en", [result(INSULT=0.05)], [])
    held = screening.decide(policy, "You idiot", "en", [result(INSULT=0.8)], [])
    rejected = screening.decide(policy, "Watch out", "en", [result(INSULT=0.1), result(VIOLENCE_OR_THREAT=0.9)], [])
    assert (shown["visibility"], held["visibility"], rejected["visibility"]) == ("shown", "held", "rejected")
    assert held["flagged"] == ["INSULT", "TOXICITY"] and "an insult" in held["reason"]
    # The author's page shows the status ("waiting for moderation") above the reason: the reason says why only.
    assert held["reason"] == "The owner reviews comments that may contain an insult before they are shown."
    assert "threat" in rejected["reason"] and rejected["segments"] == 2
    overall = screening.decide(policy, "You idiot", "en", [{**result(INSULT=0.8), "Toxicity": 0.95}], [])
    assert "an insult" in overall["reason"]  # the reason names the specific label, not the overall score


def test_comprehend_entities_and_patterns_are_masked_by_the_policy_types():
    policy = default_comment_policy().screening
    text = "I am Ann, at 12 Baker Street, ann@example.com"
    entities = [
        {"Type": "NAME", "Score": 0.99, "BeginOffset": 5, "EndOffset": 8},  # not masked by the policy
        {"Type": "ADDRESS", "Score": 0.95, "BeginOffset": 13, "EndOffset": 28},
        {"Type": "EMAIL", "Score": 0.2, "BeginOffset": 30, "EndOffset": 45},  # low score, but the pattern finds it
    ]
    decided = screening.decide(policy, text, "en", [result(INSULT=0.01)], entities)
    assert decided["publicText"] == "I am Ann, at [address], [email]" and decided["masked"] == ["ADDRESS", "EMAIL"]
    with pytest.raises(ScreeningError, match="outside"):
        screening.decide(policy, "short", "en", None, [{"Type": "EMAIL", "Score": 1, "BeginOffset": 2, "EndOffset": 9}])


def test_unscreened_languages_follow_the_rule():
    policy = default_comment_policy().screening
    assert screening.decide(policy, "Sehr schön", "de", None, None)["visibility"] == "shown"
    blocked = screening.decide(policy, "Du ARSCHLOCH!", "de", None, None)
    assert blocked["visibility"] == "held" and blocked["flagged"] == ["BLOCKED_TERM:arschloch"]
    accents = screening.decide(policy, "qué ESTUPIDA eres", "pt", None, None)
    assert accents["flagged"] == ["BLOCKED_TERM:estupida"]
    assert screening.decide(policy, "schlamperei", "de", None, None)["visibility"] == "shown"  # whole words only
    always = screening.ScreeningPolicy(policy.thresholds, policy.mask, unscreened="hold")
    assert screening.decide(always, "Sehr schön", "de", None, None)["visibility"] == "held"


def test_prepare_says_which_calls_apply():
    assert screening.prepare("Hola", "es") == {
        "toxicity": False,
        "personalData": True,
        "segments": [],
        "rule": "max-per-label",
    }
    assert screening.prepare("Hallo", "de")["personalData"] is False
    assert screening.prepare("Hi there", "en")["segments"] == [{"Text": "Hi there"}]


def test_owner_outcome_needs_a_reason_to_reject():
    assert screening.owner_outcome("approve", "") == ("shown", "")
    assert screening.owner_outcome("reject", "  rude\n ") == ("rejected", "Rejected by the salon: rude")
    with pytest.raises(screening.DecisionRefused):
        screening.owner_outcome("reject", " ")


def test_the_policy_schema_refuses_a_bad_threshold():
    from functions.config import CONFIG_DIR
    from functions.domain.comments import CommentPolicy

    document = json.loads((CONFIG_DIR / "comment_policy.json").read_text())
    document["screening"]["toxicity"]["INSULT"] = {"hold": 1.5}
    with pytest.raises(InvalidEventError, match="comment_policy"):
        CommentPolicy.load(json.dumps(document))
    document["screening"]["toxicity"] = {"RUDENESS": {"hold": 0.5}}
    with pytest.raises(InvalidEventError):
        CommentPolicy.load(json.dumps(document))


def test_the_policies_fit_the_lambda_environment():
    """Both policy documents travel as variables of salon-http-api; Lambda allows 4 KB of variables in all."""
    from functions.config import policy_document

    assert len(policy_document("comment_policy")) + len(policy_document("moderation_policy")) < 2500
