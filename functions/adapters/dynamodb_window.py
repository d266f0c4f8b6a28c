"""WindowStore on DynamoDB: one item per counter, a map of comment id -> epoch, TTL on expiresAt."""

from __future__ import annotations

from typing import Any

from functions.domain.bursts import WindowState, WindowStore


class DynamoDbWindowStore(WindowStore):
    def __init__(self, client: Any, table: str) -> None:
        self.client, self.table = client, table

    def add(self, counter: str, comment_id: str, at: int, expires_at: int) -> WindowState:
        self.client.update_item(  # a nested SET needs the map to exist first
            TableName=self.table,
            Key={"counter": {"S": counter}},
            UpdateExpression="SET negatives = if_not_exists(negatives, :empty), expiresAt = :exp",
            ExpressionAttributeValues={":empty": {"M": {}}, ":exp": {"N": str(expires_at)}},
        )
        item = self.client.update_item(
            TableName=self.table,
            Key={"counter": {"S": counter}},
            UpdateExpression="SET negatives.#c = if_not_exists(negatives.#c, :at)",
            ExpressionAttributeNames={"#c": comment_id},
            ExpressionAttributeValues={":at": {"N": str(at)}},
            ReturnValues="ALL_NEW",
        )["Attributes"]
        negatives = {k: int(v["N"]) for k, v in item.get("negatives", {}).get("M", {}).items()}
        alerted = item.get("alertedAt")
        return WindowState(negatives, int(alerted["N"]) if alerted else None)

    def prune(self, counter: str, comment_ids: list[str]) -> None:
        names = {f"#c{i}": cid for i, cid in enumerate(comment_ids[:100])}
        self.client.update_item(
            TableName=self.table,
            Key={"counter": {"S": counter}},
            UpdateExpression="REMOVE " + ", ".join(f"negatives.{n}" for n in names),
            ExpressionAttributeNames=names,
        )

    def claim_alert(self, counter: str, at: int, not_alerted_since: int) -> bool:
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"counter": {"S": counter}},
                UpdateExpression="SET alertedAt = :at",
                ConditionExpression="attribute_not_exists(alertedAt) OR alertedAt <= :since",
                ExpressionAttributeValues={":at": {"N": str(at)}, ":since": {"N": str(not_alerted_since)}},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True
