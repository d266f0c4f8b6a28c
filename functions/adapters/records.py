"""Small DynamoDB and EventBridge adapters used by the API."""

from __future__ import annotations

import json
from typing import Any


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
