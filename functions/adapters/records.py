"""Small DynamoDB and EventBridge adapters used by the API."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

TAKEN_DOWN = "taken-down"


def published_design(dynamodb: Any, table: str, design_id: str) -> dict[str, str] | None:
    """The photo record if it exists and is published, else None."""
    if not design_id or len(design_id) > 64:
        return None
    item = dynamodb.get_item(TableName=table, Key={"photoId": {"S": design_id}}, ConsistentRead=True).get("Item")
    if not item or item.get("status", {}).get("S") != "published":
        return None
    return {k: v["S"] for k, v in item.items() if "S" in v}


class EventNotAccepted(Exception):
    """EventBridge refused the event; the caller should retry (the API answers 5xx)."""


def publish(events: Any, bus: str, detail_type: str, detail: dict[str, Any], source: str = "salon.insights") -> str:
    response = events.put_events(
        Entries=[
            {
                "EventBusName": bus,
                "Source": source,
                "DetailType": detail_type,
                "Detail": json.dumps(detail, ensure_ascii=False),
            }
        ]
    )
    entry = response["Entries"][0]
    if response.get("FailedEntryCount") or "EventId" not in entry:
        raise EventNotAccepted(f"{entry.get('ErrorCode')}: {entry.get('ErrorMessage')}")
    return str(entry["EventId"])


def record_decision(
    dynamodb: Any, table: str, object_key: str, verdict: str, reasons: list[str], by: str, at: str
) -> None:
    """One history item per decision (the table's sort key is decidedAt)."""
    dynamodb.put_item(
        TableName=table,
        Item={
            "objectKey": {"S": object_key},
            "decidedAt": {"S": at},
            "verdict": {"S": verdict},
            "reasons": {"S": json.dumps(reasons, ensure_ascii=False)},
            "decidedBy": {"S": by},
        },
    )


def take_down_photo(
    dynamodb: Any, table: str, photo_id: str, by: str, reason: str, now: datetime
) -> tuple[dict[str, str] | None, bool]:
    """Unpublishes a design, keeping its record with the reason: (record, changed now). None: no such photo."""
    from functions.domain.reviews import ReviewConflict, iso

    if not photo_id or len(photo_id) > 64:
        return None, False
    at = iso(now)
    try:
        item = dynamodb.update_item(
            TableName=table,
            Key={"photoId": {"S": photo_id}},
            UpdateExpression="SET #s = :down, takenDownAt = :at, takenDownBy = :by, takenDownReason = :why",
            ConditionExpression="#s = :published",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                ":down": {"S": TAKEN_DOWN},
                ":published": {"S": "published"},
                ":at": {"S": at},
                ":by": {"S": by},
                ":why": {"S": reason},
            },
            ReturnValues="ALL_NEW",
        )["Attributes"]
        return {k: v["S"] for k, v in item.items() if "S" in v}, True
    except dynamodb.exceptions.ConditionalCheckFailedException:
        current = dynamodb.get_item(TableName=table, Key={"photoId": {"S": photo_id}}, ConsistentRead=True).get("Item")
        if not current:
            return None, False
        record = {k: v["S"] for k, v in current.items() if "S" in v}
        if record.get("status") == TAKEN_DOWN:
            return record, False
        raise ReviewConflict(f"Design {photo_id} is {record.get('status')}, not published.") from None
