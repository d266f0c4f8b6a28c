"""The real comment-sentiment ASL on the embedded engine, through the real comment API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from functions import names
from tests.conftest import history, wait_for_redelivery, wait_until
from tests.workflow.comments import NEGATIVE, approved_design, comment_item, meter

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def design(client, stack, tmp_path_factory) -> str:
    return approved_design(client, stack, tmp_path_factory.mktemp("design"), "gallery-owner", (200, 20, 60))


def mails_about(client, text: str) -> list[dict[str, Any]]:
    return [m for m in client.mail() if text in m["text"]]


def test_positive_comment_is_analysed_and_counted(client, design):
    before = meter(design)
    result = client.comment(design, "penny", "I love this colour, the finish is gorgeous!", wait=True)
    assert (result["status"], result["language"], result["sentiment"], result["escalated"]) == (
        "SUCCEEDED",
        "en",
        "POSITIVE",
        False,
    )
    assert sum(result["scores"].values()) == pytest.approx(1.0, abs=1e-6)
    stored = comment_item(result["commentId"])
    assert stored["status"] == "analyzed" and stored["sentiment"] == "POSITIVE" and stored["language"] == "en"
    after = meter(design)
    assert after["comments"] == before.get("comments", 0) + 1 and after["POSITIVE"] == before.get("POSITIVE", 0) + 1
    assert after["positivitySum"] == pytest.approx(before.get("positivitySum", 0) + result["scores"]["Positive"])


def test_furious_comment_escalates_with_identity_escaped_html_and_a_safe_subject(client, stack, design, ai_script):
    ai_script("DetectSentiment", [{"result": NEGATIVE}])
    text = "Worst nails ever <script>alert('x')</script>\r\nBcc: victim@example.com"
    result = client.comment(design, "furious-fiona", text, wait=True)
    assert result["sentiment"] == "NEGATIVE" and result["escalated"] is True
    mail = wait_until(lambda: mails_about(client, "furious-fiona@salon.example"))[0]
    assert mail["subject"].startswith("Escalation: negative comment from furious-fiona")
    assert "\n" not in mail["subject"] and len(mail["subject"]) < 100 and "script" not in mail["subject"]
    assert design in mail["text"] and "Worst nails ever" in mail["text"]
    raw = Path(mail["file"]).read_text()
    assert "&lt;script&gt;" in raw and "<script>" not in raw.split("Content-Type: text/html")[1]
    assert (
        comment_item(result["commentId"])["text"] == "Worst nails ever <script>alert('x')</script>\nBcc: "
        "victim@example.com"
    )


def test_unsupported_language_is_kept_unscored_with_its_language(client, design):
    before = meter(design)
    result = client.comment(design, "nora", "Dit is echt heel mooi gedaan, ik ben er blij mee", wait=True)
    assert result["status"] == "SUCCEEDED" and result["sentiment"] == "UNSCORED" and result["language"] == "nl"
    stored = comment_item(result["commentId"])
    assert stored["status"] == "analyzed" and stored["language"] == "nl" and stored["sentiment"] == "UNSCORED"
    after = meter(design)
    assert after["UNSCORED"] == before.get("UNSCORED", 0) + 1 and after["scored"] == before.get("scored", 0)


def test_burst_sends_exactly_one_alert_even_when_more_negatives_follow(client, design, ai_script):
    ddb = boto3.client("dynamodb")
    for item in ddb.scan(TableName=names.COUNTERS_TABLE)["Items"]:  # a fresh window: buckets, markers, alert
        if item["counter"]["S"].startswith(names.BURST_COUNTER):
            ddb.delete_item(TableName=names.COUNTERS_TABLE, Key={"counter": item["counter"]})
    bursts_before = len([m for m in client.mail() if m["subject"].startswith("Burst alert")])
    ai_script("DetectSentiment", [{"result": NEGATIVE}] * 7)
    results = [client.comment(design, f"angry{i}", f"Terrible job number {i}", wait=True) for i in range(7)]
    assert [r["burstAlert"] for r in results] == [False] * 4 + [True] + [False] * 2
    burst_mail = wait_until(lambda: [m for m in client.mail() if m["subject"].startswith("Burst alert")])
    assert len(burst_mail) == bursts_before + 1
    assert burst_mail[0]["subject"] == "Burst alert: 5 negative comments in 60 minutes"


def test_same_event_twice_is_one_comment_one_email_one_increment(client, stack, design, ai_script):
    ai_script("DetectSentiment", [{"result": NEGATIVE}])
    result = client.comment(design, "twice-tom", "Awful, just awful", wait=True)
    before, sqs, sfn = meter(design), boto3.client("sqs"), boto3.client("stepfunctions")
    event = sfn.describe_execution(executionArn=result["executionArn"])["input"]
    starts = stack.registry.invocations.get(names.FN_START_WORKFLOW, 0)
    sqs.send_message(QueueUrl=stack.resources.comment_queue_url, MessageBody=event)

    wait_for_redelivery(stack, stack.resources.comment_queue_url, starts)
    runs = [
        e
        for e in sfn.list_executions(stateMachineArn=stack.resources.comment_state_machine_arn)["executions"]
        if result["commentId"] in e["name"]
    ]
    assert len(runs) == 1 and meter(design) == before
    assert len(mails_about(client, "twice-tom@salon.example")) == 1


def test_throttled_comprehend_is_retried_from_history(client, design, ai_script):
    ai_script("DetectDominantLanguage", [{"error": "TooManyRequestsException"}] * 2)  # how Comprehend throttles
    result = client.comment(design, "patient-pat", "Lovely shade, thank you", wait=True)
    failed = [
        e["taskFailedEventDetails"]["error"] for e in history(result["executionArn"]) if "taskFailedEventDetails" in e
    ]
    assert result["status"] == "SUCCEEDED" and result["language"] == "en", failed
    assert failed == ["Comprehend.TooManyRequestsException"] * 2


def test_meter_totals_equal_the_analysed_comments(client, design):
    ddb = boto3.client("dynamodb")
    items = ddb.scan(
        TableName=names.COMMENTS_TABLE,
        FilterExpression="designId = :d AND #s = :a",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":d": {"S": design}, ":a": {"S": "analyzed"}},
    )["Items"]
    totals = meter(design)
    assert totals["comments"] == len(items) > 0
    by_sentiment = sum(totals.get(s, 0) for s in ("POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED", "UNSCORED"))
    assert by_sentiment == len(items)
    scored = [json.loads(i["scores"]["S"]) for i in items if i["sentiment"]["S"] != "UNSCORED"]
    assert totals["positivitySum"] == pytest.approx(sum(s["Positive"] for s in scored))
