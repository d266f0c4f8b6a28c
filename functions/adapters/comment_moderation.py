"""DynamoDB reads and writes behind GET /me/comments and the owner's queue of held comments."""

from __future__ import annotations

from typing import Any

from functions import names
from functions.domain import screening

MAX_ROWS = 200


def _query(ddb: Any, request: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while len(items) < limit:
        answer = ddb.query(**request, Limit=limit - len(items))
        items += answer.get("Items", [])
        if "LastEvaluatedKey" not in answer:
            break
        request = {**request, "ExclusiveStartKey": answer["LastEvaluatedKey"]}
    return items


def author_comments(ddb: Any, table: str, author_sub: str, limit: int = MAX_ROWS) -> list[dict[str, Any]]:
    """One author's comments, newest first (the byAuthor index)."""
    if not author_sub:
        return []
    request = {
        "TableName": table,
        "IndexName": names.COMMENTS_BY_AUTHOR_INDEX,
        "KeyConditionExpression": "authorSub = :sub",
        "ExpressionAttributeValues": {":sub": {"S": author_sub}},
        "ScanIndexForward": False,
    }
    return _query(ddb, request, limit)


def held_comments(ddb: Any, table: str, limit: int = MAX_ROWS) -> list[dict[str, Any]]:
    """Comments waiting for the owner, oldest first (the byVisibility index)."""
    request = {
        "TableName": table,
        "IndexName": names.COMMENTS_BY_VISIBILITY_INDEX,
        "KeyConditionExpression": "#visibility = :held",
        "ExpressionAttributeNames": {"#visibility": "visibility"},
        "ExpressionAttributeValues": {":held": {"S": screening.HELD}},
        "ScanIndexForward": True,
    }
    return _query(ddb, request, limit)


def decide_held(
    ddb: Any, table: str, comment_id: str, visibility: str, reason: str, who: str, at: str
) -> tuple[dict[str, Any], bool]:
    """Moves a held comment to `visibility` once: (the item, whether this call changed it).

    A repeated decision with the same outcome changes nothing; a comment that is not held, or was decided
    the other way, is refused.
    """
    try:
        answer = ddb.update_item(
            TableName=table,
            Key={"commentId": {"S": comment_id}},
            UpdateExpression="SET #visibility = :to, moderationReason = :reason, decidedBy = :who, decidedAt = :at",
            ConditionExpression="#visibility = :held",
            ExpressionAttributeNames={"#visibility": "visibility"},
            ExpressionAttributeValues={
                ":to": {"S": visibility},
                ":held": {"S": screening.HELD},
                ":reason": {"S": reason},
                ":who": {"S": who},
                ":at": {"S": at},
            },
            ReturnValues="ALL_NEW",
        )
        return answer["Attributes"], True
    except ddb.exceptions.ConditionalCheckFailedException:
        pass
    item = ddb.get_item(TableName=table, Key={"commentId": {"S": comment_id}}, ConsistentRead=True).get("Item")
    if item is None:
        raise screening.DecisionRefused(f"No comment has the id {comment_id!r}.", 404)
    now = item.get("visibility", {}).get("S", "")
    if now == visibility and item.get("decidedBy"):
        return item, False
    raise screening.DecisionRefused(f"This comment is not waiting for moderation (it is {now or 'not screened'}).")
