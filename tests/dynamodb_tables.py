"""A DynamoDB table keyed by one string attribute `k`, as the unit tests against moto make them."""

from __future__ import annotations

from typing import Any


def create_hash_table(ddb: Any, name: str) -> None:
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
