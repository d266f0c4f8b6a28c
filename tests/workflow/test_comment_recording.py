"""Recording a comment's analysis: concurrent comments, transaction conflicts and redrives count each comment once."""

from __future__ import annotations

import threading
from typing import Any

import boto3
import pytest

from functions import names
from salon.local import moto_quirks
from tests.conftest import history
from tests.workflow.comments import NEGATIVE, approved_design, meter

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def busy_design(client, stack, tmp_path_factory) -> str:
    return approved_design(client, stack, tmp_path_factory.mktemp("busy"), "busy-designer", (20, 120, 200))


def comment_item(comment_id: str) -> dict[str, Any]:
    item = boto3.client("dynamodb").get_item(TableName=names.COMMENTS_TABLE, Key={"commentId": {"S": comment_id}})
    return dict(item["Item"])


def status(comment_id: str) -> str:
    return str(comment_item(comment_id)["status"]["S"])


def states_entered(arn: str) -> list[str]:
    return [e["stateEnteredEventDetails"]["name"] for e in history(arn) if "stateEnteredEventDetails" in e]


def errors_seen(arn: str) -> list[str]:
    return [e["taskFailedEventDetails"]["error"] for e in history(arn) if "taskFailedEventDetails" in e]


def test_concurrent_comments_on_one_design_are_all_analysed_and_counted(client, busy_design):
    before = meter(busy_design).get("comments", 0)
    results: list[dict[str, Any]] = []

    def post(i: int) -> None:
        results.append(client.comment(busy_design, f"crowd{i}", f"Such a pretty design, number {i}", wait=True))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert [r["status"] for r in results] == ["SUCCEEDED"] * 8, [r.get("error") for r in results]
    assert {status(r["commentId"]) for r in results} == {"analyzed"}
    assert meter(busy_design)["comments"] == before + 8


def test_a_transaction_conflict_is_retried_and_not_taken_for_already_recorded(client, stack, busy_design):
    before = meter(busy_design).get("comments", 0)
    # Held until the workflow has met the conflict (however long screening took), then released for its retry.
    with moto_quirks.item_in_transaction(names.METERS_TABLE, {"designId": {"S": busy_design}}, seconds=60):
        posted = client.comment(busy_design, "conflicted-carl", "Gorgeous glitter", wait=False)
        arn = client.execution_arn(posted["execution"], stack.endpoints.comment_state_machine_arn)
        assert client.wait_for_execution(arn, until_state="CountConflict")["status"] == "RUNNING"
    result = client.wait_for_execution(arn)
    assert result["status"] == "SUCCEEDED", result.get("error")
    assert "DynamoDb.TransactionCanceledException" in errors_seen(arn)
    assert status(posted["commentId"]) == "analyzed"
    assert meter(busy_design)["comments"] == before + 1


def test_a_late_failure_takes_the_comment_off_the_meter_and_a_redrive_counts_it_once(
    client, stack, busy_design, ai_script
):
    broken = {"Sentiment": "NEGATIVE", "SentimentScore": {**NEGATIVE["SentimentScore"], "Negative": "very"}}
    ai_script("DetectSentiment", [{"result": broken}])  # recorded, then refused by the index: fails late
    before = meter(busy_design)
    failed = client.comment(busy_design, "late-lena", "This is awful work", wait=True)
    assert failed["status"] == "FAILED" and status(failed["commentId"]) == "failed"
    arn = client.execution_arn(failed["execution"], stack.endpoints.comment_state_machine_arn)
    assert states_entered(arn)[-4:] == ["RecordAnalysis", "IndexComment", "RecordLateFailure", "Failed"]
    taken_off = meter(busy_design)  # a failed comment is not on the meter: it equals the analysed comments
    assert {k: taken_off.get(k, 0) for k in ("NEGATIVE", "comments", "scored")} == {
        k: before.get(k, 0) for k in ("NEGATIVE", "comments", "scored")
    }
    assert taken_off.get("positivitySum", 0) == pytest.approx(before.get("positivitySum", 0), abs=1e-9)
    assert "countedAt" not in comment_item(failed["commentId"])

    ai_script("DetectSentiment", [{"result": NEGATIVE}])
    rerun = client.redrive(failed["execution"])
    assert client.wait_for_execution(rerun["executionArn"])["status"] == "SUCCEEDED"
    after = meter(busy_design)
    assert status(failed["commentId"]) == "analyzed"
    assert after["NEGATIVE"] == before.get("NEGATIVE", 0) + 1
    assert after["comments"] == before.get("comments", 0) + 1
