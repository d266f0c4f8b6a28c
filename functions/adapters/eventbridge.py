"""Publishing events to EventBridge."""

from __future__ import annotations

import json
from typing import Any


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
