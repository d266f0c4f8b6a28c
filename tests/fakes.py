"""The shared fakes: in-memory stand-ins for the AWS clients and ports the handlers use, with the semantics the
code relies on (conditional claims, refused entries, existing executions). No network, no mocks."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import uuid
from typing import Any

from botocore.exceptions import ClientError

from functions.domain.bursts import WindowCount, WindowStore
from functions.domain.reconcile import Comment, Decision, Meter, Photo, Records, Totals, Upload, Workflows


def fake_credentials(monkeypatch: Any) -> None:
    """Credentials and a region for moto's in-process mock (never real ones)."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "t",
        "AWS_SECRET_ACCESS_KEY": "t",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)


def _client_error(code: str, operation: str, message: str = "") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message or code}}, operation)


class FakeS3:
    """Objects by (bucket, key); presigned POSTs recorded and returned with their policy, as boto3 shapes them."""

    def __init__(self) -> None:
        self.versions: dict[tuple[str, str], list[dict[str, Any]]] = {}  # oldest first, as a versioned bucket
        self.presigned: list[dict[str, Any]] = []

    def put(
        self, bucket: str, key: str, data: bytes, content_type: str, metadata: dict[str, str], version: str = ""
    ) -> str:
        """Stores a new version of the object; returns its version id."""
        version = version or uuid.uuid4().hex
        etag = '"' + hashlib.md5(data).hexdigest() + '"'
        obj = {"data": data, "ContentType": content_type, "Metadata": metadata, "VersionId": version, "ETag": etag}
        self.versions.setdefault((bucket, key), []).append(obj)
        return version

    def put_object(self, Bucket: str, Key: str, Body: bytes, ContentType: str) -> dict[str, Any]:
        return {"VersionId": self.put(Bucket, Key, Body, ContentType, {})}

    def get_object(self, Bucket: str, Key: str, VersionId: str | None = None) -> dict[str, Any]:
        found = [o for o in self.versions.get((Bucket, Key), []) if VersionId in (None, o["VersionId"])]
        if not found:
            raise _client_error("NoSuchKey" if VersionId is None else "NoSuchVersion", "GetObject")
        obj = found[-1]
        return {
            "Body": io.BytesIO(obj["data"]),
            "ContentType": obj["ContentType"],
            "ContentLength": len(obj["data"]),
            "Metadata": obj["Metadata"],
            "VersionId": obj["VersionId"],
        }

    def get_paginator(self, operation: str) -> Any:
        assert operation == "list_object_versions", operation
        fake = self

        class Pages:
            def paginate(self, Bucket: str, Prefix: str) -> list[dict[str, Any]]:
                listed = [
                    {"Key": key, "VersionId": o["VersionId"], "ETag": o["ETag"]}
                    for (bucket, key), objs in fake.versions.items()
                    if bucket == Bucket and key.startswith(Prefix)
                    for o in reversed(objs)  # newest first, as S3 lists them
                ]
                return [{"Versions": listed}]

        return Pages()

    def generate_presigned_post(
        self, Bucket: str, Key: str, Fields: dict[str, str], Conditions: list[Any], ExpiresIn: int
    ) -> dict[str, Any]:
        self.presigned.append({"Bucket": Bucket, "Key": Key, "Conditions": Conditions, "ExpiresIn": ExpiresIn})
        policy = {"expiration": "2026-12-01T09:05:00Z", "conditions": [{"bucket": Bucket}, {"key": Key}, *Conditions]}
        fields = {**Fields, "key": Key, "policy": base64.b64encode(json.dumps(policy).encode()).decode()}
        return {"url": f"https://{Bucket}.s3.amazonaws.com/", "fields": fields}


class FakeDynamoDB:
    """Items by table and hash key value, in DynamoDB's attribute-value shape."""

    def __init__(self, keys: dict[str, str]) -> None:
        self.keys = keys  # table -> hash key attribute
        self.items: dict[str, dict[str, dict[str, Any]]] = {table: {} for table in keys}

    def put(self, table: str, item: dict[str, str]) -> None:
        self.items[table][item[self.keys[table]]] = {k: {"S": v} for k, v in item.items()}

    def put_item(self, TableName: str, Item: dict[str, dict[str, Any]]) -> dict[str, Any]:
        self.items[TableName][Item[self.keys[TableName]]["S"]] = dict(Item)
        return {}

    def get_item(self, TableName: str, Key: dict[str, Any], ConsistentRead: bool = False) -> dict[str, Any]:
        [(attribute, value)] = Key.items()
        assert attribute == self.keys[TableName], f"{TableName} is keyed by {self.keys[TableName]}"
        item = self.items[TableName].get(value["S"])
        return {"Item": item} if item else {}


class FakeSNS:
    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    def publish(self, **kwargs: Any) -> dict[str, Any]:
        self.published.append(kwargs)
        return {"MessageId": str(uuid.uuid4())}


class FakeEventBridge:
    def __init__(self, refuse: bool = False) -> None:
        self.entries: list[dict[str, Any]] = []
        self.refuse = refuse

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        if self.refuse:
            return {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "InternalFailure", "ErrorMessage": "try again"}]}
        self.entries.extend(Entries)
        return {"FailedEntryCount": 0, "Entries": [{"EventId": str(uuid.uuid4())} for _ in Entries]}


class FakeStepFunctions:
    """StartExecution refuses a name already used on the machine, as a Standard state machine does."""

    class exceptions:
        class ExecutionAlreadyExists(Exception):
            pass

    def __init__(self) -> None:
        self.executions: dict[tuple[str, str], dict[str, Any]] = {}

    def start_execution(self, stateMachineArn: str, name: str, input: str) -> dict[str, Any]:
        if (stateMachineArn, name) in self.executions:
            raise self.exceptions.ExecutionAlreadyExists(name)
        self.executions[(stateMachineArn, name)] = json.loads(input)
        return {"executionArn": f"{stateMachineArn.replace(':stateMachine:', ':execution:')}:{name}"}


class MemoryWindowStore(WindowStore):
    """The counters table's bucketed window, with the same idempotency and atomic-claim semantics."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.buckets: dict[int, int] = {}
        self.alerted_at: int | None = None

    def add(self, counter: str, comment_id: str, bucket: int, expires_at: int) -> None:
        if comment_id not in self.seen:
            self.seen.add(comment_id)
            self.buckets[bucket] = self.buckets.get(bucket, 0) + 1

    def count(self, counter: str, buckets: list[int]) -> WindowCount:
        return WindowCount(sum(self.buckets.get(b, 0) for b in buckets), self.alerted_at)

    def claim_alert(self, counter: str, at: int, not_alerted_since: int) -> bool:
        if self.alerted_at is None or self.alerted_at <= not_alerted_since:
            self.alerted_at = at
            return True
        return False


class FakeRecords(Records):
    """The stores reconcile reads, as lists and maps; failures and meter writes are recorded."""

    def __init__(self) -> None:
        self.upload_list: list[Upload] = []
        self.decision_map: dict[str, Decision] = {}
        self.photo_list: list[Photo] = []
        self.comment_list: list[Comment] = []
        self.meter_map: dict[str, Meter] = {}
        self.failed: list[str] = []

    def uploads(self) -> list[Upload]:
        return list(self.upload_list)

    def decisions(self) -> dict[str, Decision]:
        return dict(self.decision_map)

    def photos(self) -> list[Photo]:
        return list(self.photo_list)

    def comments(self) -> list[Comment]:
        return list(self.comment_list)

    def meters(self) -> dict[str, Meter]:
        return dict(self.meter_map)

    def mark_comment_failed(self, comment: Comment, error: str, cause: str) -> bool:
        self.failed.append(comment.comment_id)
        return True

    def set_meter(self, design_id: str, totals: Totals, expected: Meter | None) -> bool:
        self.meter_map[design_id] = Meter(design_id, dict(totals.counts), totals.positivity_sum, "2026-12-01T11:00:00Z")
        return True


class FakeWorkflows(Workflows):
    """Execution statuses by upload key or execution ARN; reruns are recorded, never run."""

    def __init__(self) -> None:
        self.status: dict[str, str] = {}
        self.reruns: list[str] = []

    def upload_status(self, upload: Upload) -> str | None:
        return self.status.get(upload.key)

    def execution_status(self, execution_arn: str) -> str | None:
        return self.status.get(execution_arn)

    def rerun_upload(self, upload: Upload, suffix: str) -> str:
        self.reruns.append(upload.key)
        return f"rerun-{suffix}"

    def rerun_comment(self, comment: Comment, suffix: str) -> str:
        self.reruns.append(comment.comment_id)
        return f"comment-{comment.comment_id}-{suffix}"
