"""The review store: one DynamoDB item per photo under review (its current state and, while pending, the
task token). The token is read only to send the owner's decision and never leaves this module's callers
in the API."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from functions.domain.reviews import EXPIRED, PENDING

_JSON_FIELDS = ("uploader", "reasons", "labels", "moderation")


class ReviewStore:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self.ddb, self.table = dynamodb, table

    def put_pending(self, review: dict[str, Any], token: str) -> None:
        """Writes the pending review with the token the workflow waits on (a reminder replaces the token)."""
        item: dict[str, Any] = {
            k: {"S": json.dumps(v, ensure_ascii=False) if k in _JSON_FIELDS else str(v)} for k, v in review.items()
        }
        item["taskToken"] = {"S": token}
        if review["stage"] == "remind":  # keep when it was first asked
            current = self.get(review["photoId"])
            if current and current.get("status") == PENDING:
                item["requestedAt"] = {"S": current["requestedAt"]}
        self.ddb.put_item(TableName=self.table, Item=item)

    def get(self, photo_id: str) -> dict[str, Any] | None:
        """The review with its token (for the decision path only); None when there is none."""
        if not photo_id or len(photo_id) > 64:
            return None
        item = self.ddb.get_item(TableName=self.table, Key={"photoId": {"S": photo_id}}, ConsistentRead=True).get(
            "Item"
        )
        return _plain(item) if item else None

    def pending(self) -> list[dict[str, Any]]:
        """Pending reviews, oldest first."""
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "FilterExpression": "#s = :pending",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {":pending": {"S": PENDING}},
        }
        while True:
            page = self.ddb.scan(**kwargs)
            items += [_plain(i) for i in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return sorted(items, key=lambda r: (r.get("requestedAt", ""), r["photoId"]))

    def claim(self, photo_id: str, token: str, verdict: str, note: str, by: str, at: str) -> bool:
        """Records the decision if the review is still pending on this token; False when someone else won."""
        try:
            self.ddb.update_item(
                TableName=self.table,
                Key={"photoId": {"S": photo_id}},
                UpdateExpression="SET #s = :v, note = :n, decidedBy = :b, decidedAt = :a REMOVE taskToken",
                ConditionExpression="#s = :pending AND taskToken = :t",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":v": {"S": verdict},
                    ":n": {"S": note},
                    ":b": {"S": by},
                    ":a": {"S": at},
                    ":pending": {"S": PENDING},
                    ":t": {"S": token},
                },
            )
        except self.ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def release_claim(self, photo_id: str, token: str) -> None:
        """Undoes a claim whose decision could not be delivered (the token had just been replaced)."""
        self.ddb.update_item(
            TableName=self.table,
            Key={"photoId": {"S": photo_id}},
            UpdateExpression="SET #s = :pending, taskToken = :t REMOVE note, decidedBy, decidedAt",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":pending": {"S": PENDING}, ":t": {"S": token}},
        )

    def expire(self, photo_id: str, at: str) -> None:
        self.ddb.update_item(
            TableName=self.table,
            Key={"photoId": {"S": photo_id}},
            UpdateExpression="SET #s = :e, decidedAt = :a, decidedBy = :b, note = :n REMOVE taskToken",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                ":e": {"S": EXPIRED},
                ":a": {"S": at},
                ":b": {"S": "policy"},
                ":n": {"S": "Not reviewed in time"},
            },
        )


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in item.items():
        text = value.get("S", "")
        out[key] = json.loads(text) if key in _JSON_FIELDS and text else text
    return out


def decision_history(dynamodb: Any, table: str, object_key: str) -> list[dict[str, Any]]:
    """Every decision recorded for one object, oldest first (one item per decision)."""
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "objectKey = :k",
        "ExpressionAttributeValues": {":k": {"S": object_key}},
        "ConsistentRead": True,
    }
    while True:
        page = dynamodb.query(**kwargs)
        for item in page.get("Items", []):
            row = {k: next(iter(v.values())) for k, v in item.items()}
            for key in ("reasons", "photo", "labels", "moderation"):
                if isinstance(row.get(key), str):
                    with contextlib.suppress(ValueError):
                        row[key] = json.loads(row[key])
            items.append(row)
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return items
