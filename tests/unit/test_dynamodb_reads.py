"""The embedded stack's DynamoDB: reads see an item whole while another request writes it, and a cancelled
transaction undoes exactly its own writes, as on AWS."""

from __future__ import annotations

import threading
import tracemalloc

import boto3
import pytest
from moto import mock_aws

from salon.local import moto_quirks
from tests.dynamodb_tables import create_hash_table
from tests.fakes import fake_credentials

KEY = {"k": {"S": "meter"}}
UPDATES = 50


def test_reads_during_writes_of_the_same_item_never_fail_and_see_whole_items(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto builds a read's answer from the stored item itself; a write adding attributes meanwhile made the read
    fail with `dictionary changed size during iteration` (a 500 the caller had to retry)."""
    fake_credentials(monkeypatch)
    moto_quirks.apply()
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        create_hash_table(ddb, "t")
        ddb.put_item(TableName="t", Item={**KEY, "m": {"M": {}}})
        writing, errors = threading.Event(), []
        sizes: dict[int, list[int]] = {0: [], 1: []}  # per reader: the map sizes it saw, in order
        writing.set()

        def write() -> None:
            for i in range(UPDATES):  # each adds ten entries to the map the readers are reading
                ddb.update_item(
                    TableName="t",
                    Key=KEY,
                    UpdateExpression="SET " + ", ".join(f"m.#a{j} = :v" for j in range(10)),
                    ExpressionAttributeNames={f"#a{j}": f"a{i}-{j}" for j in range(10)},
                    ExpressionAttributeValues={":v": {"S": "v"}},
                )
            writing.clear()

        def read(how: str, reader: int = 0) -> None:
            while writing.is_set():
                try:
                    if how == "get":
                        sizes[reader].append(len(ddb.get_item(TableName="t", Key=KEY)["Item"]["m"]["M"]))
                    else:
                        ddb.scan(TableName="t")
                except Exception as exc:  # the failure this test is about, from any read
                    errors.append(repr(exc))
                    return

        threads = [threading.Thread(target=write)] + [
            threading.Thread(target=read, args=args) for args in (("get", 0), ("get", 1), ("scan",))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert errors == []
        for seen in sizes.values():  # each read saw a whole item, and never one older than the last it saw
            assert seen == sorted(seen) and len(seen) > 10
        assert len(ddb.get_item(TableName="t", Key=KEY)["Item"]["m"]["M"]) == UPDATES * 10
        ddb.delete_table(TableName="t")


def test_a_cancelled_transaction_undoes_its_own_writes_and_copies_only_its_items(monkeypatch: pytest.MonkeyPatch):
    """moto backs a transaction up by copying every table it names (a cost that grows with the tables); the
    stack saves the items it names instead, and a cancelled transaction still leaves every item as it was."""
    fake_credentials(monkeypatch)
    moto_quirks.apply()
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        create_hash_table(ddb, "comments")
        create_hash_table(ddb, "meters")
        for i in range(0, 3000, 25):
            ddb.batch_write_item(
                RequestItems={
                    "comments": [
                        {"PutRequest": {"Item": {"k": {"S": f"c{j}"}, "text": {"S": "x" * 200}}}}
                        for j in range(i, i + 25)
                    ]
                }
            )
        ddb.put_item(TableName="meters", Item={"k": {"S": "d1"}, "n": {"N": "5"}})
        before = ddb.scan(TableName="comments")["Items"], ddb.scan(TableName="meters")["Items"]
        transaction = [
            {
                "Update": {
                    "TableName": "meters",
                    "Key": {"k": {"S": "d1"}},
                    "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
            {"Put": {"TableName": "comments", "Item": {"k": {"S": "new"}, "text": {"S": "y"}}}},
            {
                "Update": {
                    "TableName": "comments",
                    "Key": {"k": {"S": "c7"}},
                    "UpdateExpression": "SET #t = :t",
                    "ConditionExpression": "attribute_not_exists(k)",  # it exists: the transaction is cancelled
                    "ExpressionAttributeNames": {"#t": "text"},
                    "ExpressionAttributeValues": {":t": {"S": "z"}},
                }
            },
        ]
        tracemalloc.start()
        with pytest.raises(ddb.exceptions.TransactionCanceledException) as cancelled:
            ddb.transact_write_items(TransactItems=transaction)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        reasons = [r["Code"] for r in cancelled.value.response["CancellationReasons"]]
        assert reasons == ["None", "None", "ConditionalCheckFailed"]
        assert (ddb.scan(TableName="comments")["Items"], ddb.scan(TableName="meters")["Items"]) == before
        assert peak < 1_500_000, f"{peak} bytes at peak: the 3,000-item table was copied"  # a copy is several MB
        transaction[2]["Update"]["ConditionExpression"] = "attribute_exists(k)"
        ddb.transact_write_items(TransactItems=transaction)  # the same, now allowed: all three written
        assert ddb.get_item(TableName="meters", Key={"k": {"S": "d1"}})["Item"]["n"] == {"N": "6"}
        assert ddb.get_item(TableName="comments", Key={"k": {"S": "c7"}})["Item"]["text"] == {"S": "z"}
        assert "Item" in ddb.get_item(TableName="comments", Key={"k": {"S": "new"}})
        for name in ("comments", "meters"):  # mock_aws nested in a session's stack keeps its tables
            ddb.delete_table(TableName=name)
