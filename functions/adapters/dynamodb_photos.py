"""Photo records in DynamoDB, as the API reads them."""

from __future__ import annotations

from typing import Any


def published_design(dynamodb: Any, table: str, design_id: str) -> dict[str, str] | None:
    """The photo record if it exists and is published, else None."""
    if not design_id or len(design_id) > 64:
        return None
    item = dynamodb.get_item(TableName=table, Key={"photoId": {"S": design_id}}, ConsistentRead=True).get("Item")
    if not item or item.get("status", {}).get("S") != "published":
        return None
    return {k: v["S"] for k, v in item.items() if "S" in v}
