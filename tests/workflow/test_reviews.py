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
    from functions.config import moderation_policy, settings

    document = json.loads((Path(__file__).parents[2] / "config" / "moderation_policy.json").read_text())
    document["review"] = {"timeoutSeconds": 2, "reminderSecondsBefore": 1, "onTimeout": "reject"}
    saved = os.environ.get(names.ENV_POLICY_JSON)
    os.environ[names.ENV_POLICY_JSON] = json.dumps(document)
    settings.cache_clear()
    moderation_policy.cache_clear()
    yield
    if saved is None:
        os.environ.pop(names.ENV_POLICY_JSON, None)
    else:
        os.environ[names.ENV_POLICY_JSON] = saved
    settings.cache_clear()
    moderation_policy.cache_clear()


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
    assert entered(result["executionArn"])[-5:] == [
        "PersistPhoto",
        "RecordApproval",
        "IndexPhoto",
        "NotifyClientPublished",
        "Published",
    ]
    photo = boto3.client("dynamodb").get_item(TableName=names.PHOTOS_TABLE, Key={"photoId": {"S": photo_id}})["Item"]
    assert photo["status"]["S"] == "published"
    from functions.adapters.embedded_index import EmbeddedIndex

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
        tokens, mailbox_text(stack), listed.text, decided.text, again.text, conflict.text, out, err, json.dumps(done, default=str)
    )
