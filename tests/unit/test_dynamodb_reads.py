"""The embedded stack's DynamoDB reads see an item whole while another request writes it, as on AWS."""

from __future__ import annotations

import threading

import boto3
import pytest
from moto import mock_aws

from salon.local import moto_quirks
from tests.fakes import fake_credentials

KEY = {"k": {"S": "meter"}}
UPDATES = 150


def test_reads_during_writes_of_the_same_item_never_fail_and_see_whole_items(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto builds a read's answer from the stored item itself; a write adding attributes meanwhile made the read
    fail with `dictionary changed size during iteration` (a 500 the caller had to retry)."""
    fake_credentials(monkeypatch)
    moto_quirks.apply()
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
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
