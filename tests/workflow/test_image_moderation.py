"""The real image-moderation ASL on the embedded engine, through the real upload path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from functions import names
from tests.conftest import history, jpeg, require_shared_data, wait_for_redelivery, wait_until

pytestmark = pytest.mark.workflow
MANICURE = [
    {
        "Name": "Manicure",
        "Confidence": 97.5,
        "Parents": [{"Name": "Hand"}, {"Name": "Body Part"}],
        "Instances": [],
        "Aliases": [],
        "Categories": [],
    },
    {
        "Name": "Hand",
        "Confidence": 99.0,
        "Parents": [{"Name": "Body Part"}],
        "Instances": [],
        "Aliases": [],
        "Categories": [],
    },
]


def upload(client: Any, tmp_path: Path, user: str, data: bytes, name: str = "photo.jpg") -> dict[str, Any]:
    path = tmp_path / name
    path.write_bytes(data)
    result: dict[str, Any] = client.upload(path, user, wait=True)
    return result


def states_entered(arn: str) -> list[str]:
    return [e["stateEnteredEventDetails"]["name"] for e in history(arn) if "stateEnteredEventDetails" in e]


def decision(key: str) -> dict[str, Any]:
    """The latest decision recorded for the object (the table keeps one item per decision)."""
    items = boto3.client("dynamodb").query(
        TableName=names.DECISIONS_TABLE,
        KeyConditionExpression="objectKey = :k",
        ExpressionAttributeValues={":k": {"S": key}},
        ScanIndexForward=False,
        Limit=1,
    )["Items"]
    return {k: next(iter(v.values())) for k, v in (items[0] if items else {}).items()}


def test_approved_manicure_is_persisted_indexed_and_announced(client, stack, ai_script, tmp_path):
    ai_script("DetectLabels", [{"result": {"Labels": MANICURE, "LabelModelVersion": "3.0"}}], match="/approver/")
    result = upload(client, tmp_path, "approver", jpeg())
    assert result["verdict"] == "approved", result
    assert any("Manicure at 97.5%" in r for r in result["reasons"])
    photo = boto3.client("dynamodb").get_item(TableName=names.PHOTOS_TABLE, Key={"photoId": {"S": result["photoId"]}})[
        "Item"
    ]
    assert photo["designer"]["S"] == "approver" and photo["status"]["S"] == "published"
    assert json.loads(photo["uploader"]["S"])["username"] == "approver"
    from salon.embedded_index import EmbeddedIndex

    doc = EmbeddedIndex(stack.config.index_path).get(names.PHOTOS_INDEX, result["photoId"])
    assert doc is not None and doc["designer"] == "approver"
    assert states_entered(result["executionArn"])[-5:] == [
        "RecordApproval",
        "IndexPhoto",
        "NotifyClientPublished",
        "MarkAnnounced",
        "Published",
    ]
    assert decision(result["key"])["verdict"] == "approved"


def test_off_topic_photo_is_rejected_with_reason(client, ai_script, tmp_path):
    food = [{"Name": "Food", "Confidence": 96.0, "Parents": [], "Instances": [], "Aliases": [], "Categories": []}]
    ai_script("DetectLabels", [{"result": {"Labels": food}}], match="/offtopic/")
    result = upload(client, tmp_path, "offtopic", jpeg())
    assert result["verdict"] == "rejected"
    assert "does not look like a manicure" in result["reasons"][0] and "Food 96.0%" in result["reasons"][0]
    tags = boto3.client("s3").get_object_tagging(Bucket=names.UPLOADS_BUCKET, Key=result["key"])["TagSet"]
    assert {"Key": "verdict", "Value": "rejected"} in tags
    assert decision(result["key"])["verdict"] == "rejected"


def test_moderated_upload_is_quarantined_and_owner_alerted_with_identity(client, stack, ai_script, tmp_path):
    explicit = [{"Name": "Explicit Nudity", "ParentName": "Explicit", "Confidence": 95.2, "TaxonomyLevel": 2}]
    ai_script("DetectModerationLabels", [{"result": {"ModerationLabels": explicit}}], match="/mallory/")
    result = upload(client, tmp_path, "mallory", jpeg())
    assert result["verdict"] == "quarantined"
    s3 = boto3.client("s3")
    with pytest.raises(s3.exceptions.ClientError):
        s3.head_object(Bucket=names.UPLOADS_BUCKET, Key=result["key"])
    s3.head_object(Bucket=names.UPLOADS_BUCKET, Key=names.QUARANTINE_PREFIX + result["key"])
    mails = wait_until(lambda: [m for m in client.mail() if "mallory" in m["subject"]])
    text = mails[0]["text"]
    assert "mallory@salon.example" in text and "Explicit Nudity" in text and "95.2%" in text
    assert result["execution"] in text
    assert Path(mails[0]["file"]).suffix == ".eml"


def test_not_an_image_is_rejected_before_rekognition(client, stack, tmp_path):
    calls_before = dict(stack.ai.calls)
    result = upload(client, tmp_path, "liar", b"this is plain text pretending to be a JPEG", "fake.jpg")
    assert result["verdict"] == "rejected"
    assert result["reasons"] == ["The upload is not a JPEG or PNG image."]
    assert "DetectModerationLabels" not in states_entered(result["executionArn"])
    assert stack.ai.calls.get("DetectModerationLabels", 0) == calls_before.get("DetectModerationLabels", 0)


def test_throttling_is_retried_then_succeeds(client, ai_script, tmp_path):
    ai_script(
        "DetectModerationLabels",
        [{"error": "ThrottlingException"}, {"error": "ThrottlingException"}],
        match="/throttled/",
    )
    ai_script("DetectLabels", [{"result": {"Labels": MANICURE}}], match="/throttled/")
    result = upload(client, tmp_path, "throttled", jpeg())
    assert result["verdict"] == "approved"
    events = history(result["executionArn"])
    failed = [e["taskFailedEventDetails"]["error"] for e in events if "taskFailedEventDetails" in e]
    scheduled = [
        e for e in events if e.get("taskScheduledEventDetails", {}).get("resource") == "detectModerationLabels"
    ]
    assert failed == ["Rekognition.ThrottlingException"] * 2
    assert len(scheduled) == 3  # the first try and two retries


def test_permanent_ai_failure_is_caught_recorded_and_fails_red(client, ai_script, tmp_path):
    ai_script("DetectModerationLabels", [{"error": "AccessDeniedException"}], match="/unlucky/")
    result = upload(client, tmp_path, "unlucky", jpeg())
    assert result["verdict"] == "failed" and result["status"] == "FAILED"
    assert states_entered(result["executionArn"])[-2:] == ["RecordFailure", "Failed"]
    recorded = decision(result["key"])
    assert recorded["verdict"] == "failed" and recorded["error"] == "Rekognition.AccessDeniedException"


def test_same_s3_event_twice_starts_one_execution_and_writes_one_record(client, stack, ai_script, tmp_path):
    ai_script("DetectLabels", [{"result": {"Labels": MANICURE}}], match="/twice/")
    result = upload(client, tmp_path, "twice", jpeg(300, 300))
    sfn, sqs = boto3.client("stepfunctions"), boto3.client("sqs")
    queue = stack.resources.upload_queue_url
    event = sfn.describe_execution(executionArn=result["executionArn"])["input"]
    starts_before = stack.registry.invocations.get(names.FN_START_WORKFLOW, 0)
    sqs.send_message(QueueUrl=queue, MessageBody=event)  # EventBridge delivers at least once

    wait_for_redelivery(stack, queue, starts_before)
    runs = [
        e
        for e in sfn.list_executions(stateMachineArn=stack.resources.image_state_machine_arn)["executions"]
        if e["name"].startswith(result["photoId"])
    ]
    assert len(runs) == 1
    items = boto3.client("dynamodb").scan(
        TableName=names.PHOTOS_TABLE,
        FilterExpression="photoId = :p",
        ExpressionAttributeValues={":p": {"S": result["photoId"]}},
    )["Items"]
    assert len(items) == 1


def test_real_food_photo_is_not_published_by_the_offline_models(client, tmp_path):
    """Rejected, or (a hand seen holding it: reviewWhenHandSeen) left to the owner; never auto-approved."""
    data = require_shared_data() / "images"
    rows = [json.loads(line) for line in (data / "manifest.jsonl").read_text().splitlines() if line.strip()]
    food = next(r for r in rows if r["label"] != "manicure" and "food" in r["file"])
    result = client.upload(data.parent / food["file"], "foodie", wait=True)
    assert result["verdict"] in ("rejected", "review") and result["reasons"]
    if result["verdict"] == "review":
        described = boto3.client("stepfunctions").get_execution_history(executionArn=result["executionArn"])
        evaluated = [
            e for e in described["events"] if e.get("stateExitedEventDetails", {}).get("name") == "EvaluatePolicy"
        ]
        decision = json.loads(evaluated[0]["stateExitedEventDetails"]["output"])["decision"]
        assert "seen at" in decision["reasons"][0]  # the hand rule, not the manicure band
