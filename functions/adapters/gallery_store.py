"""DynamoDB reads behind the gallery pages and the live publisher."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from functions import names
from functions.ports import GalleryRecords

MAX_PAGE = 50


class BadCursor(ValueError):
    """The paging cursor is not one this API issued."""


def encode_cursor(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, fields: tuple[str, ...]) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error) as exc:
        raise BadCursor("The cursor is not valid.") from exc
    if (
        not isinstance(key, dict)
        or set(key) != set(fields)
        or not all(isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) for v in key.values())
    ):
        raise BadCursor("The cursor is not valid.")
    return key


def get_item(ddb: Any, table: str, key: str, value: str) -> dict[str, Any] | None:
    if not value or len(value) > 128:
        return None
    item: dict[str, Any] | None = ddb.get_item(TableName=table, Key={key: {"S": value}}, ConsistentRead=True).get(
        "Item"
    )
    return item


class DynamoDbGalleryRecords(GalleryRecords):
    def __init__(self, ddb: Any, photos_table: str, comments_table: str, meters_table: str) -> None:
        self.ddb, self.photos_table, self.comments_table, self.meters_table = (
            ddb,
            photos_table,
            comments_table,
            meters_table,
        )

    def photo(self, photo_id: str) -> dict[str, Any] | None:
        return get_item(self.ddb, self.photos_table, "photoId", photo_id)

    def comment(self, comment_id: str) -> dict[str, Any] | None:
        return get_item(self.ddb, self.comments_table, "commentId", comment_id)

    def meter(self, design_id: str) -> dict[str, Any] | None:
        return get_item(self.ddb, self.meters_table, "designId", design_id)


def published_page(
    ddb: Any, table: str, limit: int, cursor: str | None, designer_sub: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """Published photo records, newest first, from the byStatus index; optionally one designer's."""
    start = decode_cursor(cursor, ("photoId", "status", "publishedAt"))
    request: dict[str, Any] = {
        "TableName": table,
        "IndexName": names.PHOTOS_BY_STATUS_INDEX,
        "KeyConditionExpression": "#status = :published",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": {":published": {"S": "published"}},
        "ScanIndexForward": False,
        "Limit": limit,
    }
    if designer_sub:
        request["FilterExpression"] = "designerSub = :sub"
        request["ExpressionAttributeValues"][":sub"] = {"S": designer_sub}
    items: list[dict[str, Any]] = []
    while True:
        if start:
            request["ExclusiveStartKey"] = start
        answer = ddb.query(**request)
        items += answer.get("Items", [])
        start = answer.get("LastEvaluatedKey")
        if len(items) >= limit or not start:
            break
    if len(items) > limit:  # a filtered query may overshoot; continue after the last item returned
        items = items[:limit]
    if len(items) == limit:
        last = items[-1]
        start = {k: last[k] for k in ("photoId", "status", "publishedAt")}
    return items, encode_cursor(start)


def design_comments(ddb: Any, table: str, design_id: str, limit: int = 200) -> list[dict[str, Any]]:
    """A design's comments in submission order (the byDesign index), newest `limit`."""
    answer = ddb.query(
        TableName=table,
        IndexName=names.COMMENTS_BY_DESIGN_INDEX,
        KeyConditionExpression="designId = :d",
        ExpressionAttributeValues={":d": {"S": design_id}},
        ScanIndexForward=False,
        Limit=limit,
    )
    items: list[dict[str, Any]] = answer.get("Items", [])
    return list(reversed(items))


def designer_decisions(ddb: Any, table: str, username: str) -> list[dict[str, Any]]:
    """Moderation decisions for a designer's uploads (keys uploads/<username>/...): one small table scan."""
    prefix = f"{names.UPLOAD_PREFIX}{username}/"
    request: dict[str, Any] = {
        "TableName": table,
        "FilterExpression": "begins_with(objectKey, :prefix)",
        "ExpressionAttributeValues": {":prefix": {"S": prefix}},
    }
    items: list[dict[str, Any]] = []
    while True:
        answer = ddb.scan(**request)
        items += answer.get("Items", [])
        if "LastEvaluatedKey" not in answer:
            break
        request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
    items.sort(key=lambda i: i.get("decidedAt", {}).get("S", ""), reverse=True)
    return items
