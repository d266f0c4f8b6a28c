"""Human review on the real image-moderation ASL: the owner decides, the timeout decides, appeals,
quarantine releases and take-downs, and the task token never leaves the server side."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from functions import names
from tests.conftest import history, jpeg, wait_for_redelivery, wait_until

pytestmark = pytest.mark.workflow


def labels(*pairs: tuple[str, float]) -> list[dict[str, Any]]:
    return [
        {"Name": n, "Confidence": c, "Parents": [], "Instances": [], "Aliases": [], "Categories": []} for n, c in pairs
    ]


UNSURE = labels(("Manicure", 61.0), ("Hand", 80.0))  # inside the review band (50 to 70)
FOOD = labels(("Food", 96.0))
OWNER = "salon-owner"


def upload(client: Any, tmp_path: Path, user: str, data: bytes | None = None) -> dict[str, Any]:
    path = tmp_path / f"{user}.jpg"
    path.write_bytes(data or jpeg())
    result: dict[str, Any] = client.upload(path, user, wait=True)
    return result


def call(client: Any, method: str, path: str, user: str, group: str, body: Any = None) -> Any:
    return client.api(method, path, client.token(user, group), body)


def owner(client: Any, method: str, path: str, body: Any = None) -> Any:
    return call(client, method, path, OWNER, names.GROUP_OWNER, body)


def finished(client: Any, arn: str) -> dict[str, Any]:
    described: dict[str, Any] = client.wait_for_execution(arn)
    return described


def entered(arn: str) -> list[str]:
    return [e["stateEnteredEventDetails"]["name"] for e in history(arn) if "stateEnteredEventDetails" in e]


def decisions(key: str) -> list[dict[str, Any]]:
    from functions.adapters.reviews import decision_history

    return decision_history(boto3.client("dynamodb"), names.DECISIONS_TABLE, key)


def stored_review(photo_id: str) -> dict[str, Any]:
    item = boto3.client("dynamodb").get_item(TableName=names.REVIEWS_TABLE, Key={"photoId": {"S": photo_id}})
    return {k: v["S"] for k, v in item.get("Item", {}).items()}


def pending_token(photo_id: str) -> str:
    token: str = wait_until(lambda: stored_review(photo_id).get("taskToken"))
    return token


@pytest.fixture(scope="module", autouse=True)
def warm_models(stack: Any) -> None:
    """The script hook shares the models' lock: wait for the background warm-up before scripting."""
    assert stack.ai.vision is not None and stack.ai.text is not None


@pytest.fixture
def tokens() -> Iterator[list[str]]:
    """Every task token a test saw in the review store: none may appear in mail, responses or logs."""
    seen: list[str] = []
    yield seen


@pytest.fixture
def tiny_timeout(stack: Any) -> Iterator[None]:
    """A test policy: reviews time out after 2 seconds (a reminder after 1)."""
    from functions import config

    document = json.loads((Path(__file__).parents[2] / "config" / "moderation_policy.json").read_text())
    document["review"] = {"timeoutSeconds": 2, "reminderSecondsBefore": 1, "onTimeout": "reject"}
    saved = os.environ.get(names.ENV_POLICY_JSON)
    os.environ[names.ENV_POLICY_JSON] = json.dumps(document)
    config.reset()
    yield
    if saved is None:
        os.environ.pop(names.ENV_POLICY_JSON, None)
    else:
        os.environ[names.ENV_POLICY_JSON] = saved
    config.reset()


def assert_no_token(tokens: list[str], *texts: str) -> None:
    assert tokens, "the test saw no token to look for"
    for token in tokens:
        for text in texts:
            assert token not in text


def mailbox_text(stack: Any) -> str:
    folder = Path(stack.endpoints.mailbox)
    return "".join(p.read_text(errors="replace") for p in sorted(folder.iterdir()) if p.is_file())


def test_review_then_approve_publishes_and_repeats_are_idempotent(client, stack, ai_script, tmp_path, tokens, capfd):
    ai_script("DetectLabels", [{"result": {"Labels": UNSURE}}], match="/rv-approve/")
    result = upload(client, tmp_path, "rv-approve")
    assert result["verdict"] == "review" and result["status"] == "RUNNING", result
    assert "review band" in result["reasons"][0] and {"name": "Manicure", "confidence": 61.0} in result["labels"]
    photo_id = result["photoId"]
    tokens.append(pending_token(photo_id))

    listed = owner(client, "GET", "/reviews")
    assert listed.status_code == 200
    row = next(r for r in listed.json()["reviews"] if r["photoId"] == photo_id)
    assert row["designer"] == "rv-approve" and row["status"] == "pending" and "taskToken" not in row
    assert any("review band" in r for r in row["reasons"]) and {"name": "Manicure", "confidence": 61.0} in row["labels"]
    assert row["imageUrl"].startswith("http") and row["imageUrlExpiresIn"] == 300
    mails = wait_until(lambda: [m for m in client.mail() if "Review needed" in m["subject"] and photo_id in m["text"]])
    text = mails[0]["text"]
    assert "rv-approve@salon.example" in text and "Manicure: 61.0%" in text
    assert f"/gallery/reviews/{photo_id}" in text and result["execution"] in text

    decided = owner(client, "POST", f"/reviews/{photo_id}", {"decision": "approve", "note": "Lovely gel work"})
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "approved" and decided.json()["decidedBy"] == OWNER
    done = finished(client, result["executionArn"])
    assert done["status"] == "SUCCEEDED" and json.loads(done["output"])["verdict"] == "approved"
    assert entered(result["executionArn"])[-6:] == [
        "PersistPhoto",
        "RecordApproval",
        "IndexPhoto",
        "NotifyClientPublished",
        "MarkAnnounced",
        "Published",
    ]
    photo = boto3.client("dynamodb").get_item(TableName=names.PHOTOS_TABLE, Key={"photoId": {"S": photo_id}})["Item"]
    assert photo["status"]["S"] == "published"
    from salon.embedded_index import EmbeddedIndex

    assert EmbeddedIndex(stack.config.index_path).get(names.PHOTOS_INDEX, photo_id) is not None
    steps = decisions(result["key"])
    assert [s["verdict"] for s in steps] == ["review", "approved"]
    assert steps[1]["decidedBy"] == OWNER and "Lovely gel work" in steps[1]["reasons"][0]

    again = owner(client, "POST", f"/reviews/{photo_id}", {"decision": "approve", "note": "again"})
    assert again.status_code == 200 and again.json()["repeated"] is True
    conflict = owner(client, "POST", f"/reviews/{photo_id}", {"decision": "reject", "note": "changed my mind"})
    assert conflict.status_code == 409
    assert "taskToken" not in stored_review(photo_id)  # forgotten once used

    out, err = capfd.readouterr()
    assert_no_token(
        tokens,
        mailbox_text(stack),
        listed.text,
        decided.text,
        again.text,
        conflict.text,
        out,
        err,
        json.dumps(done, default=str),
    )


def test_review_then_reject_with_note_shows_the_note(client, ai_script, tmp_path):
    ai_script("DetectLabels", [{"result": {"Labels": UNSURE}}], match="/rv-reject/")
    result = upload(client, tmp_path, "rv-reject")
    assert result["verdict"] == "review"
    pending_token(result["photoId"])
    decided = owner(client, "POST", f"/reviews/{result['photoId']}", {"decision": "reject", "note": "Blurry nails"})
    assert decided.status_code == 200 and decided.json()["status"] == "rejected"
    output = json.loads(finished(client, result["executionArn"])["output"])
    assert output["verdict"] == "rejected"
    assert output["reasons"] == [f"Rejected by {OWNER} on review: Blurry nails"]
    tags = boto3.client("s3").get_object_tagging(Bucket=names.UPLOADS_BUCKET, Key=result["key"])["TagSet"]
    assert {"Key": "verdict", "Value": "rejected"} in tags
    assert [d["verdict"] for d in decisions(result["key"])] == ["review", "rejected"]


def test_review_times_out_to_the_policy_outcome_after_a_reminder(client, stack, ai_script, tmp_path, tiny_timeout):
    ai_script("DetectLabels", [{"result": {"Labels": UNSURE}}], match="/rv-late/")
    result = upload(client, tmp_path, "rv-late")
    assert result["verdict"] == "review"
    done = finished(client, result["executionArn"])
    output = json.loads(done["output"])
    assert output["verdict"] == "rejected" and output["reasons"] == [
        "Rejected by policy on review: Not reviewed in time"
    ]
    states = entered(result["executionArn"])
    assert states.index("AskOwner") < states.index("RemindOwner") < states.index("NotReviewedInTime")
    assert wait_until(lambda: [m for m in client.mail() if m["subject"].startswith("Reminder: Review needed")])
    assert stored_review(result["photoId"])["status"] == "expired"
    late = owner(client, "POST", f"/reviews/{result['photoId']}", {"decision": "approve", "note": "sorry, late"})
    assert late.status_code == 410, late.text


def test_customers_and_designers_cannot_use_review_routes(client):
    for user, group in (("rv-customer", names.GROUP_CUSTOMER), ("rv-designer", names.GROUP_DESIGNER)):
        assert call(client, "GET", "/reviews", user, group).status_code == 403
        body = {"decision": "approve", "note": "me"}
        assert (
            call(client, "POST", "/reviews/00000000-0000-4000-8000-000000000000", user, group, body).status_code == 403
        )
        note = {"note": "let it out"}
        path = "/quarantine/00000000-0000-4000-8000-000000000000/release"
        assert call(client, "POST", path, user, group, note).status_code == 403
        assert call(client, "POST", "/designs/x/takedown", user, group, note).status_code == 403
    owner_appeal = owner(client, "POST", "/me/uploads/00000000-0000-4000-8000-000000000000/appeal", {"note": "x"})
    assert owner_appeal.status_code == 403


def test_bad_decisions_are_refused_clearly(client):
    missing = owner(client, "POST", "/reviews/00000000-0000-4000-8000-000000000000", {"decision": "approve"})
    assert missing.status_code == 404
    bad = owner(client, "POST", "/reviews/whatever", {"decision": "maybe", "note": "?"})
    assert bad.status_code == 400 and "decision" in bad.json()["message"]


def test_designer_appeals_a_rejection_once_and_the_owner_approves(client, ai_script, tmp_path):
    ai_script("DetectLabels", [{"result": {"Labels": FOOD}}], match="/rv-appeal/")
    result = upload(client, tmp_path, "rv-appeal")
    assert result["verdict"] == "rejected"
    photo_id = result["photoId"]
    path = f"/me/uploads/{photo_id}/appeal"
    other = call(client, "POST", path, "rv-stranger", names.GROUP_DESIGNER, {"note": "mine now"})
    assert other.status_code == 404  # only the uploader can appeal
    appealed = call(client, "POST", path, "rv-appeal", names.GROUP_DESIGNER, {"note": "It is a nail-art food theme"})
    assert appealed.status_code == 202, appealed.text
    assert appealed.json()["execution"] == f"{photo_id}-appeal"
    twice = call(client, "POST", path, "rv-appeal", names.GROUP_DESIGNER, {"note": "again"})
    assert twice.status_code == 409
    pending_token(photo_id)
    row = next(r for r in owner(client, "GET", "/reviews").json()["reviews"] if r["photoId"] == photo_id)
    assert row["kind"] == "appeal" and row["reasons"][0] == "Appeal by rv-appeal: It is a nail-art food theme"
    tags = boto3.client("s3").get_object_tagging(Bucket=names.UPLOADS_BUCKET, Key=result["key"])["TagSet"]
    assert tags == [{"Key": "verdict", "Value": "review"}]  # the rejected-uploads lifecycle rule no longer matches
    assert owner(client, "POST", f"/reviews/{photo_id}", {"decision": "approve", "note": "Fair"}).status_code == 200
    arn = client.execution_arn(f"{photo_id}-appeal")
    assert json.loads(finished(client, arn)["output"])["verdict"] == "approved"
    photo = boto3.client("dynamodb").get_item(TableName=names.PHOTOS_TABLE, Key={"photoId": {"S": photo_id}})["Item"]
    assert photo["status"]["S"] == "published" and photo["designer"]["S"] == "rv-appeal"
    assert [d["verdict"] for d in decisions(result["key"])] == ["rejected", "review", "approved"]


def test_owner_releases_a_quarantined_upload_restored_only_on_approval(client, ai_script, tmp_path):
    explicit = [{"Name": "Explicit Nudity", "ParentName": "Explicit", "Confidence": 95.0, "TaxonomyLevel": 2}]
    ai_script("DetectModerationLabels", [{"result": {"ModerationLabels": explicit}}], match="/rv-release/")
    result = upload(client, tmp_path, "rv-release")
    assert result["verdict"] == "quarantined"
    photo_id, s3 = result["photoId"], boto3.client("s3")
    released = owner(client, "POST", f"/quarantine/{photo_id}/release", {"note": "A false positive on skin tones"})
    assert released.status_code == 202, released.text
    pending_token(photo_id)
    with pytest.raises(s3.exceptions.ClientError):  # not restored while the review waits
        s3.head_object(Bucket=names.UPLOADS_BUCKET, Key=result["key"])
    row = next(r for r in owner(client, "GET", "/reviews").json()["reviews"] if r["photoId"] == photo_id)
    assert row["kind"] == "release" and names.QUARANTINE_PREFIX in row["imageUrl"]
    assert owner(client, "POST", f"/reviews/{photo_id}", {"decision": "approve", "note": "Checked"}).status_code == 200
    assert json.loads(finished(client, client.execution_arn(f"{photo_id}-release"))["output"])["verdict"] == "approved"
    s3.head_object(Bucket=names.UPLOADS_BUCKET, Key=result["key"])
    with pytest.raises(s3.exceptions.ClientError):
        s3.head_object(Bucket=names.UPLOADS_BUCKET, Key=names.QUARANTINE_PREFIX + result["key"])
    photo = boto3.client("dynamodb").get_item(TableName=names.PHOTOS_TABLE, Key={"photoId": {"S": photo_id}})["Item"]
    assert photo["status"]["S"] == "published"


def test_a_refused_release_stays_in_quarantine(client, ai_script, tmp_path):
    explicit = [{"Name": "Explicit Nudity", "ParentName": "Explicit", "Confidence": 95.0, "TaxonomyLevel": 2}]
    ai_script("DetectModerationLabels", [{"result": {"ModerationLabels": explicit}}], match="/rv-keep/")
    result = upload(client, tmp_path, "rv-keep")
    photo_id = result["photoId"]
    assert owner(client, "POST", f"/quarantine/{photo_id}/release", {"note": "look again"}).status_code == 202
    pending_token(photo_id)
    assert (
        owner(client, "POST", f"/reviews/{photo_id}", {"decision": "reject", "note": "Right call"}).status_code == 200
    )
    output = json.loads(finished(client, client.execution_arn(f"{photo_id}-release"))["output"])
    assert output["verdict"] == "quarantined"
    boto3.client("s3").head_object(Bucket=names.UPLOADS_BUCKET, Key=names.QUARANTINE_PREFIX + result["key"])
    assert [d["verdict"] for d in decisions(result["key"])] == ["quarantined", "review", "quarantined"]


def test_owner_takes_a_published_design_down(client, stack, ai_script, tmp_path):
    manicure = labels(("Manicure", 97.0))
    ai_script("DetectLabels", [{"result": {"Labels": manicure}}], match="/rv-takedown/")
    result = upload(client, tmp_path, "rv-takedown")
    assert result["verdict"] == "approved"
    photo_id = result["photoId"]
    down = owner(client, "POST", f"/designs/{photo_id}/takedown", {"note": "Copied from another salon"})
    assert down.status_code == 200, down.text
    assert down.json()["status"] == "taken-down" and down.json()["takenDownReason"] == "Copied from another salon"
    from salon.embedded_index import EmbeddedIndex

    assert EmbeddedIndex(stack.config.index_path).get(names.PHOTOS_INDEX, photo_id) is None
    again = owner(client, "POST", f"/designs/{photo_id}/takedown", {"note": "again"})
    assert again.status_code == 200 and again.json()["repeated"] is True
    history_rows = decisions(result["key"])
    assert [d["verdict"] for d in history_rows] == ["approved", "taken-down"]
    assert history_rows[-1]["decidedBy"] == OWNER and history_rows[-1]["reasons"] == ["Copied from another salon"]
    comment = call(client, "POST", f"/designs/{photo_id}/comments", "rv-fan", names.GROUP_CUSTOMER, {"text": "wow"})
    assert comment.status_code == 404
    assert owner(client, "POST", "/designs/nope/takedown", {"note": "x"}).status_code == 404


def test_redelivered_s3_event_creates_no_second_review(client, stack, ai_script, tmp_path):
    ai_script("DetectLabels", [{"result": {"Labels": UNSURE}}], match="/rv-twice/")
    result = upload(client, tmp_path, "rv-twice")
    assert result["verdict"] == "review"
    first_token = pending_token(result["photoId"])
    sfn, sqs = boto3.client("stepfunctions"), boto3.client("sqs")
    event = sfn.describe_execution(executionArn=result["executionArn"])["input"]
    starts_before = stack.registry.invocations.get(names.FN_START_WORKFLOW, 0)
    sqs.send_message(QueueUrl=stack.resources.upload_queue_url, MessageBody=event)
    wait_for_redelivery(stack, stack.resources.upload_queue_url, starts_before)
    runs = [
        e
        for e in sfn.list_executions(stateMachineArn=stack.resources.image_state_machine_arn)["executions"]
        if e["name"].startswith(result["photoId"])
    ]
    assert len(runs) == 1
    assert stored_review(result["photoId"])["taskToken"] == first_token
    assert [d["verdict"] for d in decisions(result["key"])] == ["review"]
    reviews = [r for r in owner(client, "GET", "/reviews").json()["reviews"] if r["photoId"] == result["photoId"]]
    assert len(reviews) == 1
    owner(client, "POST", f"/reviews/{result['photoId']}", {"decision": "reject", "note": "tidy up"})
    assert finished(client, result["executionArn"])["status"] == "SUCCEEDED"


def test_cli_lists_and_decides_reviews_and_sms_subscribers_get_a_text(client, stack, ai_script, tmp_path, capsys):
    from salon.cli import main

    sns = boto3.client("sns")
    sms = sns.subscribe(TopicArn=stack.resources.alerts_topic_arn, Protocol="sms", Endpoint="+15555550123")
    try:
        ai_script("DetectLabels", [{"result": {"Labels": UNSURE}}], match="/rv-cli/")
        image = tmp_path / "cli.jpg"
        image.write_bytes(jpeg(200, 220))
        home = str(stack.config.home)
        capsys.readouterr()
        assert main(["--home", home, "upload", str(image), "--as", "rv-cli", "--wait", "--json"]) == 0
        uploaded = json.loads(capsys.readouterr().out)
        assert uploaded["verdict"] == "review"
        photo_id = uploaded["photoId"]
        token = pending_token(photo_id)
        assert main(["--home", home, "reviews", "--json", "--as", OWNER]) == 0
        listed = capsys.readouterr().out
        assert photo_id in listed and token not in listed
        mailbox = Path(stack.endpoints.mailbox)
        texts = wait_until(lambda: [p for p in mailbox.glob("*.sms") if "rv-cli" in p.read_text()])
        assert "Review needed" in texts[0].read_text() and token not in texts[0].read_text()
        assert main(["--home", home, "review", photo_id, "--approve", "--note", "ok from the CLI", "--as", OWNER]) == 0
        assert "approved" in capsys.readouterr().out
        assert main(["--home", home, "review", photo_id, "--reject", "--note", "no", "--as", OWNER]) == 2
        assert "409" in capsys.readouterr().out
        assert json.loads(finished(client, uploaded["executionArn"])["output"])["verdict"] == "approved"
    finally:
        sns.unsubscribe(SubscriptionArn=sms["SubscriptionArn"])
