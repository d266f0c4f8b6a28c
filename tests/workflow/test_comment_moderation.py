"""Comment screening on the real ASL: shown, held for the owner, rejected; personal data masked in public."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from functions import names
from tests.conftest import history, wait_until
from tests.workflow.comments import NEGATIVE, approved_design, comment_item, meter

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def design(client, stack, tmp_path_factory) -> str:
    return approved_design(client, stack, tmp_path_factory.mktemp("design"), "moderation-owner", (30, 120, 200))


def public_comments(client, design_id: str) -> dict[str, dict[str, Any]]:
    response = client.api("GET", f"/designs/{design_id}", None)
    assert response.status_code == 200
    return {c["commentId"]: c for c in response.json()["comments"]}


def index_document(comment_id: str) -> dict[str, Any] | None:
    from functions import config
    from functions.adapters import search_index

    cfg = config.settings(config.IndexDocumentSettings)
    return search_index(cfg.search_backend, cfg.search_endpoint, cfg.aws_region).get(names.COMMENTS_INDEX, comment_id)


def entered(arn: str) -> list[str]:
    return [e["stateEnteredEventDetails"]["name"] for e in history(arn) if "stateEnteredEventDetails" in e]


def task_input(arn: str, resource: str) -> list[dict[str, Any]]:
    return [
        json.loads(e["taskScheduledEventDetails"]["parameters"])
        for e in history(arn)
        if "taskScheduledEventDetails" in e
        and f"{e['taskScheduledEventDetails']['resourceType']}:{e['taskScheduledEventDetails']['resource']}".endswith(
            resource
        )
    ]


def mine(client, username: str, comment_id: str) -> dict[str, Any]:
    return next(c for c in client.my_comments(username) if c["commentId"] == comment_id)


def test_clean_comment_is_screened_and_shown(client, design):
    result = client.comment(design, "clean-carla", "Such a gorgeous shade of blue, thank you!", wait=True)
    assert (result["status"], result["visibility"], result["reason"]) == ("SUCCEEDED", "shown", "")
    states = entered(result["executionArn"])
    assert states.index("DetectLanguage") < states.index("DetectToxicContent") < states.index("DetectSentiment")
    assert "DetectPiiEntities" in states and states[-1] == "Shown"
    assert public_comments(client, design)[result["commentId"]]["text"] == "Such a gorgeous shade of blue, thank you!"
    assert mine(client, "clean-carla", result["commentId"])["status"] == "shown"
    assert index_document(result["commentId"])["visibility"] == "shown"


def test_insult_is_held_counted_and_queued_then_approved_live(client, design):
    before = meter(design)
    result = client.comment(design, "rude-rita", "You are an idiot, who taught you to paint nails?", wait=True)
    assert result["status"] == "SUCCEEDED" and result["visibility"] == "held"
    assert entered(result["executionArn"])[-1] == "Held"
    assert "INSULT" in [label["Name"] for label in result["labels"] if label["Score"] >= 0.5]
    comment_id = result["commentId"]
    assert comment_id not in public_comments(client, design)
    assert meter(design)["comments"] == before.get("comments", 0) + 1  # the meter counts every comment
    assert index_document(comment_id)["visibility"] == "held"  # indexed (insights count it), not public
    assert mine(client, "rude-rita", comment_id)["status"] == "waiting for moderation"

    [queued] = [c for c in client.held_comments() if c["commentId"] == comment_id]
    assert queued["originalText"].startswith("You are an idiot") and "INSULT" in queued["flagged"]
    assert queued["author"] == "rude-rita" and queued["designId"] == design

    decided = client.decide_comment(comment_id, "approve")
    assert (decided["visibility"], decided["repeated"]) == ("shown", False)
    assert client.decide_comment(comment_id, "approve")["repeated"] is True  # a second click changes nothing
    assert comment_id in public_comments(client, design)
    assert comment_id not in [c["commentId"] for c in client.held_comments()]
    assert mine(client, "rude-rita", comment_id)["status"] == "shown"
    assert index_document(comment_id)["visibility"] == "shown"
    assert meter(design)["comments"] == before.get("comments", 0) + 1  # approving counts nothing again


def test_owner_rejects_a_held_comment_and_the_author_reads_why(client, design):
    result = client.comment(design, "rude-ruth", "What a moron, incompetent clown.", wait=True)
    assert result["visibility"] == "held"
    with pytest.raises(Exception, match="400"):
        client.decide_comment(result["commentId"], "reject", "  ")  # a rejection needs a reason
    decided = client.decide_comment(result["commentId"], "reject", "Personal attacks are not allowed.")
    assert decided["visibility"] == "rejected"
    with pytest.raises(Exception, match="409"):
        client.decide_comment(result["commentId"], "approve")  # decided the other way already
    view = mine(client, "rude-ruth", result["commentId"])
    assert view["status"] == "rejected" and view["reason"] == "Rejected by the salon: Personal attacks are not allowed."
    assert result["commentId"] not in public_comments(client, design)


def test_threat_is_rejected_with_a_reason_the_author_sees(client, design):
    before = meter(design)
    result = client.comment(design, "menacing-max", "I know where you live, watch your back.", wait=True)
    assert (result["status"], result["visibility"]) == ("SUCCEEDED", "rejected")
    assert entered(result["executionArn"])[-1] == "Rejected"
    assert "threat" in result["reason"]
    view = mine(client, "menacing-max", result["commentId"])
    assert view["status"] == "rejected" and view["reason"] == result["reason"]
    assert result["commentId"] not in public_comments(client, design)
    assert result["commentId"] not in [c["commentId"] for c in client.held_comments()]
    assert meter(design)["comments"] == before.get("comments", 0) + 1


def test_email_and_phone_are_masked_in_every_public_place_and_kept_for_the_owner(client, design, ai_script):
    ai_script("DetectSentiment", [{"result": NEGATIVE}])  # escalated: the email quotes it
    text = "💅🏽 Terrible! Write to leaky.lena@example.com or call +44 20 7946 0958 to complain"
    result = client.comment(design, "leaky-lena", text, wait=True)
    assert result["visibility"] == "shown" and result["escalated"] is True
    assert result["masked"] == ["EMAIL", "PHONE"]
    masked = "💅🏽 Terrible! Write to [email] or call [phone] to complain"
    assert public_comments(client, design)[result["commentId"]]["text"] == masked  # API and the page's source
    assert index_document(result["commentId"])["text"] == masked
    assert mine(client, "leaky-lena", result["commentId"])["text"] == masked
    mail = wait_until(lambda: [m for m in client.mail() if "leaky-lena@salon.example" in m["text"]])[0]
    assert "[email]" in mail["text"] and "leaky.lena@example.com" not in mail["text"] and "7946" not in mail["text"]
    stored = comment_item(result["commentId"])
    assert stored["text"] == text and stored["publicText"] == masked  # the original stays, owner-readable
    pii = task_input(result["executionArn"], "comprehend:detectPiiEntities")
    assert pii and pii[0]["LanguageCode"] == "en"


def test_long_comment_is_screened_in_segments_and_its_worst_segment_counts(client, design):
    clean = "The gradient from coral to peach is smooth and the top coat is glossy. " * 40  # about 2.9 KB
    result = client.comment(design, "long-lou", clean + "But you are a pathetic idiot.", wait=True)
    [call] = task_input(result["executionArn"], "comprehend:detectToxicContent")
    sizes = [len(s["Text"].encode()) for s in call["TextSegments"]]
    assert len(sizes) == 3 and max(sizes) <= 1024
    assert result["visibility"] == "held"  # max per label: the last segment's insult holds the comment
    moderation = json.loads(comment_item(result["commentId"])["moderation"])
    assert moderation["segments"] == 3 and moderation["rule"] == "max-per-label"


def test_languages_comprehend_cannot_screen_follow_the_policy_rule(client, design):
    clean = client.comment(design, "nina", "Dit is echt heel mooi gedaan, ik ben er blij mee", wait=True)
    assert (clean["visibility"], clean["language"]) == ("shown", "nl")
    states = entered(clean["executionArn"])
    assert "ToxicityNotScreened" in states and "PersonalDataNotScreened" in states
    assert "DetectToxicContent" not in states and "DetectPiiEntities" not in states
    rude = client.comment(design, "nina", "Wat een klootzak, nooit meer naar deze salon gaan", wait=True)
    assert rude["visibility"] == "held"
    assert json.loads(comment_item(rude["commentId"])["moderation"])["flagged"] == ["BLOCKED_TERM:klootzak"]
    mail = client.comment(design, "nina", "Heel mooi! Mail me op nina.de.vries@example.nl voor een afspraak", wait=True)
    assert mail["visibility"] == "held" and mail["masked"] == ["EMAIL"]  # patterns in every language
    held = {c["commentId"]: c for c in client.held_comments()}
    assert held[mail["commentId"]]["text"] == "Heel mooi! Mail me op [email] voor een afspraak"


def test_throttled_toxicity_and_personal_data_calls_are_retried(client, design, ai_script):
    ai_script("DetectToxicContent", [{"error": "TooManyRequestsException"}] * 2)
    ai_script("DetectPiiEntities", [{"error": "InternalServerException"}])
    result = client.comment(design, "patient-pia", "Lovely work, thanks a lot", wait=True)
    failed = [
        e["taskFailedEventDetails"]["error"] for e in history(result["executionArn"]) if "taskFailedEventDetails" in e
    ]
    assert result["status"] == "SUCCEEDED" and result["visibility"] == "shown", failed
    assert failed == ["Comprehend.TooManyRequestsException"] * 2 + ["Comprehend.InternalServerException"]


def test_a_screening_failure_is_recorded_never_shown(client, design, ai_script):
    ai_script("DetectToxicContent", [{"error": "InvalidRequestException"}])
    result = client.comment(design, "unlucky-uma", "Nice colours", wait=True)
    assert result["status"] == "FAILED"
    stored = comment_item(result["commentId"])
    assert stored["status"] == "failed" and stored["error"] == "Comprehend.InvalidRequestException"
    assert result["commentId"] not in public_comments(client, design)
    assert mine(client, "unlucky-uma", result["commentId"])["status"] == "failed"


def test_the_live_channel_carries_a_held_comment_only_once_it_is_approved(client, stack, design):
    from tests.api.test_gallery_api import next_message, realtime, subscribe

    key = {"x-api-key": stack.endpoints.events_api_key}
    with realtime(stack, key) as ws:
        assert subscribe(ws, "d", f"/designs/{design}", key)["type"] == "subscribe_success"
        result = client.comment(design, "live-lex", "What a moron, you ruined my nails.", wait=True)
        assert result["visibility"] == "held"
        held = json.loads(next_message(ws)["event"])
        assert held["type"] == "CommentAnalyzed" and "comment" not in held and held["meter"]["comments"] >= 1
        client.decide_comment(result["commentId"], "approve")
        shown = json.loads(next_message(ws)["event"])
        assert shown["comment"]["commentId"] == result["commentId"]
        assert shown["comment"]["text"] == "What a moron, you ruined my nails."


def test_a_redelivered_held_comment_is_queued_and_counted_once(client, stack, design):
    from tests.conftest import wait_for_redelivery

    result = client.comment(design, "twice-tia", "You stupid clown, learn your job.", wait=True)
    assert result["visibility"] == "held"
    before, sfn = meter(design), boto3.client("stepfunctions")
    event = sfn.describe_execution(executionArn=result["executionArn"])["input"]
    starts = stack.registry.invocations.get(names.FN_START_WORKFLOW, 0)
    boto3.client("sqs").send_message(QueueUrl=stack.resources.comment_queue_url, MessageBody=event)
    wait_for_redelivery(stack, stack.resources.comment_queue_url, starts)
    assert meter(design) == before
    assert [c["commentId"] for c in client.held_comments()].count(result["commentId"]) == 1
    assert [c["commentId"] for c in client.my_comments("twice-tia")] == [result["commentId"]]
