"""The negatives window on the stack's DynamoDB: what one negative writes and reads does not grow with the rate."""

from __future__ import annotations

import uuid
from typing import Any

import boto3

from functions import names
from functions.adapters.dynamodb_window import SHARDS, DynamoDbWindowStore
from functions.domain.bursts import BUCKETS_PER_WINDOW, record_negative
from salon.local import moto_quirks

RATE_100X = 880_000 / 3600  # 100 times the 8,800 negatives an hour that filled the old single item


class CountingClient:
    """Forwards to a real client and counts what each call touches (a recorder, not a stand-in)."""

    def __init__(self, client: Any) -> None:
        self._client, self.exceptions = client, client.exceptions
        self.keys_read: list[int] = []
        self.items_written: list[int] = []

    def batch_get_item(self, **kwargs: Any) -> Any:
        self.keys_read.append(sum(len(r["Keys"]) for r in kwargs["RequestItems"].values()))
        return self._client.batch_get_item(**kwargs)

    def transact_write_items(self, **kwargs: Any) -> Any:
        self.items_written.append(len(kwargs["TransactItems"]))
        return self._client.transact_write_items(**kwargs)

    def update_item(self, **kwargs: Any) -> Any:
        return self._client.update_item(**kwargs)


def counter_items(counter: str) -> list[dict[str, Any]]:
    ddb, found, start = boto3.client("dynamodb"), [], None
    while True:
        page = ddb.scan(TableName=names.COUNTERS_TABLE, **({"ExclusiveStartKey": start} if start else {}))
        found += [i for i in page["Items"] if i["counter"]["S"].startswith(counter)]
        start = page.get("LastEvaluatedKey")
        if not start:
            return found


def test_a_hundred_times_the_failing_rate_keeps_every_item_small_and_every_read_the_same_size(stack):
    counter = f"negatives#test-{uuid.uuid4().hex[:8]}"
    client = CountingClient(boto3.client("dynamodb"))
    store = DynamoDbWindowStore(client, names.COUNTERS_TABLE)
    t0, n = 1_900_000_000, 400
    checks = [record_negative(store, counter, f"c{i}", t0 + int(i / RATE_100X), 3600, 10**9) for i in range(n)]
    assert [c.negatives_in_window for c in checks] == list(range(1, n + 1))
    assert record_negative(store, counter, "c7", t0 + 5, 3600, 10**9).negatives_in_window == n  # a retry

    assert set(client.keys_read) == {1 + BUCKETS_PER_WINDOW * SHARDS}  # one BatchGet, the same size every time
    assert set(client.items_written) == {2}  # marker + one shard of one bucket
    items = counter_items(counter)
    buckets = [i for i in items if "total" in i]
    assert len(buckets) <= 2 * SHARDS  # 400 negatives in 2 seconds: at most two buckets, each sharded
    assert max(len(str(i)) for i in items) < 200  # no item grows with the rate (the old one hit 400 KB)
    assert sum(int(i["total"]["N"]) for i in buckets) == n


def test_negatives_older_than_the_window_are_not_counted(stack):
    counter = f"negatives#test-{uuid.uuid4().hex[:8]}"
    store = DynamoDbWindowStore(boto3.client("dynamodb"), names.COUNTERS_TABLE)
    record_negative(store, counter, "old", 1_900_000_000, 3600, 3)
    check = record_negative(store, counter, "new", 1_900_000_000 + 3700, 3600, 3)
    assert check.negatives_in_window == 1


def test_a_conflicting_writer_is_waited_for_not_counted_twice(stack):
    counter = f"negatives#test-{uuid.uuid4().hex[:8]}"
    store = DynamoDbWindowStore(boto3.client("dynamodb"), names.COUNTERS_TABLE)
    bucket_key = store.bucket_key(counter, 1_900_000_000 - 1_900_000_000 % 300, store.shard_of("held"))
    with moto_quirks.item_in_transaction(names.COUNTERS_TABLE, {"counter": {"S": bucket_key}}, seconds=0.1):
        check = record_negative(store, counter, "held", 1_900_000_000, 3600, 3)
    assert check.negatives_in_window == 1
