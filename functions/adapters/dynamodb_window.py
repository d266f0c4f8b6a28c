"""WindowStore on DynamoDB: a sharded counter item per bucket, a marker item per counted comment, TTL on both.

Items in the counters table (partition key `counter`), for a counter C:
- `C#<bucket>#<shard>`: attribute `total`, the negatives counted in that bucket on that shard;
- `C#seen#<commentId>`: this comment was counted (makes a retry count nothing);
- `C`: `alertedAt`, the last burst alert.
A negative is one transaction (Put the marker if absent + ADD 1 to its shard of the current bucket): a
cancelled transaction whose marker condition failed was counted before; one cancelled by a conflict with
another writer is tried again. Reading the window is one BatchGetItem of buckets x shards + 1 keys.
Sizing (docs/decisions.md, 2026-12-01): at 880,000 negatives an hour (244 a second), each shard item takes
244 / SHARDS = 31 transactional writes a second (2 WCU each: 61 WCU/s), far below the 1,000 WCU/s one
partition accepts; items stay under 100 bytes whatever the rate.
"""

from __future__ import annotations

import hashlib
import random
import time
from typing import Any

from functions.domain.bursts import WindowCount, WindowStore
from functions.errors import TransientError

SHARDS = 8
BATCH_GET_LIMIT = 100
# Jittered waits from 50 ms, doubling: up to about 3 s in all (4 tries lost to a 0.1 s holder 1 time in 9).
CONFLICT_TRIES = 6


class DynamoDbWindowStore(WindowStore):
    def __init__(self, client: Any, table: str, shards: int = SHARDS) -> None:
        self.client, self.table, self.shards = client, table, shards

    def shard_of(self, comment_id: str) -> int:
        return int(hashlib.sha256(comment_id.encode()).hexdigest()[:8], 16) % self.shards

    @staticmethod
    def bucket_key(counter: str, bucket: int, shard: int) -> str:
        return f"{counter}#{bucket}#{shard}"

    def add(self, counter: str, comment_id: str, bucket: int, expires_at: int) -> None:
        expires = {"N": str(expires_at)}
        items = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": {"counter": {"S": f"{counter}#seen#{comment_id}"}, "expiresAt": expires},
                    "ConditionExpression": "attribute_not_exists(#c)",
                    "ExpressionAttributeNames": {"#c": "counter"},
                }
            },
            {
                "Update": {
                    "TableName": self.table,
                    "Key": {"counter": {"S": self.bucket_key(counter, bucket, self.shard_of(comment_id))}},
                    "UpdateExpression": "ADD #t :one SET expiresAt = :exp",
                    "ExpressionAttributeNames": {"#t": "total"},
                    "ExpressionAttributeValues": {":one": {"N": "1"}, ":exp": expires},
                }
            },
        ]
        for attempt in range(CONFLICT_TRIES):
            try:
                self.client.transact_write_items(TransactItems=items)
                return
            except self.client.exceptions.TransactionCanceledException as exc:
                codes = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
                if codes and codes[0] == "ConditionalCheckFailed":
                    return  # this comment was counted before
                if "TransactionConflict" not in codes:
                    raise
                time.sleep(random.uniform(0, 0.05 * 2**attempt))  # full jitter
        raise TransientError(f"negatives counter {counter}: transaction conflicts after {CONFLICT_TRIES} tries")

    def count(self, counter: str, buckets: list[int]) -> WindowCount:
        keys = [counter] + [self.bucket_key(counter, b, s) for b in buckets for s in range(self.shards)]
        total, alerted = 0, None
        for i in range(0, len(keys), BATCH_GET_LIMIT):
            for item in self._batch_get(keys[i : i + BATCH_GET_LIMIT]):
                if item["counter"]["S"] == counter:
                    alerted = int(item["alertedAt"]["N"]) if "alertedAt" in item else None
                elif "total" in item:
                    total += int(item["total"]["N"])
        return WindowCount(total, alerted)

    def _batch_get(self, keys: list[str]) -> list[dict[str, Any]]:
        request: dict[str, Any] = {
            self.table: {
                "Keys": [{"counter": {"S": k}} for k in keys],
                "ProjectionExpression": "#c, #t, alertedAt",
                "ExpressionAttributeNames": {"#c": "counter", "#t": "total"},
            }
        }
        found: list[dict[str, Any]] = []
        for attempt in range(5):
            response = self.client.batch_get_item(RequestItems=request)
            found += response.get("Responses", {}).get(self.table, [])
            request = response.get("UnprocessedKeys") or {}
            if not request:
                return found
            time.sleep(random.uniform(0, 0.05 * 2**attempt))
        raise TransientError(f"counters table {self.table}: keys left unprocessed after 5 tries")

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
