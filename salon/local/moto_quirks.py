"""The one place where the embedded stack absorbs differences between moto's engine and AWS.

The ASL stays exactly what AWS expects; these adjustments make the local engine agree with it.
One difference is avoided in the ASL instead of patched: moto evaluates a definite JSONPath with an array
index (`$.Languages[0].LanguageCode`) to a list, AWS to a scalar; the workflows use
`States.ArrayGetItem(...)` there, which both evaluate the same way.
"""

from __future__ import annotations

import contextlib
import copy
import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

# On AWS, aws-sdk integration errors are named '<Service>.<Code>' with the service's documented
# capitalisation (Rekognition.ThrottlingException). moto's table covers only DynamoDb and Sfn and
# falls back to the lower-case service id (rekognition.ThrottlingException), so Retry/Catch written
# for AWS would not match locally.
AWS_SDK_ERROR_PREFIXES = {
    "rekognition": "Rekognition",
    "comprehend": "Comprehend",
    "s3": "S3",
    "sns": "Sns",
    "eventbridge": "EventBridge",
}
MOTO_TOKEN_KID = "dummy"  # the key id moto writes into every token header
_applied = False
_signing_key: Any = None
# DynamoDB transactions on AWS are atomic, and one that touches an item another transaction is writing is
# cancelled with reason TransactionConflict. moto runs a transaction as steps on a table copy and restores
# the copy on failure, so concurrent writers can interleave (lost updates, or a crash whose error response
# has no request id). The stack serialises moto's DynamoDB writes and cancels overlapping transactions.
_WRITES = threading.RLock()
_IN_FLIGHT_LOCK = threading.Lock()
_IN_FLIGHT: dict[tuple[str, str], list[float]] = {}  # (table, key) -> deadlines of the transactions holding it


def _unique_s3_event_ids() -> None:
    """moto sends every S3 EventBridge event with the same `id` and `sequencer`; AWS's are unique."""
    from moto.events import utils as event_utils

    base = event_utils._BASE_EVENT_MESSAGE

    class _FreshId(dict):  # type: ignore[type-arg]
        def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
            fresh: dict[str, Any] = copy.deepcopy(dict(self), memo)
            fresh["id"] = str(uuid.uuid4())
            return fresh

    event_utils._BASE_EVENT_MESSAGE = _FreshId(base)  # type: ignore[assignment]  # imported at call time


def _enforce_post_policies() -> None:
    """S3 enforces the signed policy of a browser-form (presigned POST) upload; moto accepts anything.
    S3 also names the stored version in its answer (x-amz-version-id); moto does not."""
    import os

    from moto.s3.responses import S3Response

    from salon.local import s3_post_policy

    original = S3Response._bucket_response_post

    def secret_for(access_key: str) -> str | None:  # the stack signs with its own process credentials
        return os.environ.get("AWS_SECRET_ACCESS_KEY") if access_key == os.environ.get("AWS_ACCESS_KEY_ID") else None

    def checked(self: Any, request: Any, bucket_name: str) -> Any:
        form = getattr(self, "form_data", None)
        if form and not self.is_delete_keys():
            body = self.body if isinstance(self.body, bytes) else str(self.body or "").encode()
            files = self.normalized_request.files
            try:
                key = s3_post_policy.check(
                    list(form.items(multi=True)),
                    len(body),
                    bucket_name,
                    secret_for,
                    files=len(list(files.items(multi=True))),
                )
            except s3_post_policy.PolicyViolation as exc:
                return s3_post_policy.error_response(exc)
            # moto reads the exact-case `key`; S3 reads names without regard to case: store the checked key.
            self.querystring = {n: v for n, v in self.querystring.items() if n.lower() != "key"} | {"key": [key]}
            response = original(self, request, bucket_name)
            stored = self.backend.get_object(bucket_name, key)
            if isinstance(response, tuple) and stored is not None and stored.version_id not in (None, "null"):
                response[1]["x-amz-version-id"] = stored.version_id  # as S3 answers a POST to a versioned bucket
            return response
        return original(self, request, bucket_name)

    S3Response._bucket_response_post = checked  # type: ignore[method-assign]


def use_own_signing_key() -> None:
    """Cognito tokens signed with a key made for this start, and that key's public half served as the JWKS.

    moto signs every pool's tokens with one private key that ships inside its package (anyone can read it and
    sign any claims with it); on AWS each pool's keys are its own secret. The key lives in memory only. moto
    writes the key id `dummy` into every token header, so the served key keeps that id.
    """
    from joserfc import jwk
    from moto.cognitoidp import models, responses

    global _signing_key
    _signing_key = jwk.RSAKey.generate_key(2048, parameters={"kid": MOTO_TOKEN_KID, "alg": "RS256", "use": "sig"})
    public = {"keys": [_signing_key.as_dict(private=False)]}
    responses.CognitoIdpJsonWebKeyResponse.json_web_key = json.dumps(public).encode("utf-8")
    if getattr(models.CognitoIdpUserPool.__init__, "_own_key", False):
        return
    original = models.CognitoIdpUserPool.__init__

    def with_own_key(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.json_web_key = _signing_key

    with_own_key._own_key = True  # type: ignore[attr-defined]
    models.CognitoIdpUserPool.__init__ = with_own_key  # type: ignore[method-assign]


def _item_id(table: str, key: dict[str, Any]) -> tuple[str, str]:
    return table, json.dumps(key, sort_keys=True)


def _hold(items: list[tuple[str, str]], until: float) -> list[tuple[str, str]]:
    """Registers the items as written by a transaction; returns those another one holds (then none is held)."""
    now = time.monotonic()
    with _IN_FLIGHT_LOCK:
        for item in list(_IN_FLIGHT):
            _IN_FLIGHT[item] = [d for d in _IN_FLIGHT[item] if d > now]
            if not _IN_FLIGHT[item]:
                del _IN_FLIGHT[item]
        busy = [item for item in items if item in _IN_FLIGHT]
        if not busy:
            for item in items:
                _IN_FLIGHT.setdefault(item, []).append(until)
        return busy


def _release(items: list[tuple[str, str]], until: float) -> None:
    with _IN_FLIGHT_LOCK:
        for item in items:
            deadlines = _IN_FLIGHT.get(item, [])
            if until in deadlines:
                deadlines.remove(until)
            if not deadlines:
                _IN_FLIGHT.pop(item, None)


@contextlib.contextmanager
def item_in_transaction(table: str, key: dict[str, Any], seconds: float) -> Iterator[None]:
    """Test hook: the item counts as written by another transaction for `seconds` (or until the block ends)."""
    items, until = [_item_id(table, key)], time.monotonic() + seconds
    if _hold(items, until):
        raise RuntimeError(f"{items[0]} is already held")
    try:
        yield
    finally:
        _release(items, until)


# moto backs up a transaction by deep-copying every table it names, and restores the copies if it fails: a cost
# that grows with the tables (every comment's RecordAnalysis copied the whole comments table). Under the write
# lock nothing else changes the tables meanwhile, so a copy of the items the transaction names, put back if it
# fails, undoes exactly as much.
_TABLE_COPY = threading.local()


def _saved_items(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[Any, Any, Any, Any]] | None:
    """(table, hash key, range key, a copy of the item or None) for each item the transaction names."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    saved = []
    for entry in transact_items:
        _, op = next(iter(entry.items()))
        name = op.get("TableName")
        if not name or name not in backend.tables:
            continue
        table = backend.tables[name]
        if table.stream_shard is not None:
            return None
        key = op.get("Key") or op.get("Item") or {}
        if table.hash_key_attr not in key or (table.range_key_attr and table.range_key_attr not in key):
            continue  # moto refuses the transaction before it changes anything
        hash_key = DynamoType(key[table.hash_key_attr])
        range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        saved.append((table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key))))
    return saved


def _restore_items(backend: Any, saved: list[tuple[Any, Any, Any, Any]]) -> None:
    for table, hash_key, range_key, item in reversed(saved):
        if item is None:
            if range_key is not None:
                table.items.get(hash_key, {}).pop(range_key, None)
            else:
                table.items.pop(hash_key, None)
        elif range_key is not None:
            table.items[hash_key][range_key] = item
        else:
            table.items[hash_key] = item


def _table_deepcopy(self: Any, memo: dict[int, Any]) -> Any:
    if getattr(_TABLE_COPY, "skip", False):
        return self  # the transaction's own backup: the items it names are saved instead
    cls: Any = type(self)
    clone = cls.__new__(cls)  # as copy.deepcopy copies an object without a __deepcopy__ of its own
    memo[id(self)] = clone
    clone.__dict__.update(copy.deepcopy(self.__dict__, memo))
    return clone


def _atomic_dynamodb_writes() -> None:
    from moto.dynamodb.exceptions import TransactionCanceledException
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler

    Table.__deepcopy__ = _table_deepcopy  # type: ignore[attr-defined]

    def keys(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[str, str]]:
        found = []
        for entry in transact_items:
            _, op = next(iter(entry.items()))
            key = op.get("Key")
            if key is None and "Item" in op:  # a Put names its item by the table's key attributes
                table = backend.get_table(op["TableName"])
                attrs = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
                key = {a: op["Item"][a] for a in attrs if a in op["Item"]}
            found.append(_item_id(op.get("TableName", ""), key or {}))
        return found

    original_transact = DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        items = keys(self, transact_items)
        until = time.monotonic() + 30
        busy = _hold(items, until)
        if busy:
            conflict = ("TransactionConflict", "Transaction is ongoing for the item", None)
            reasons: list[Any] = [conflict if i in busy else (None, None, None) for i in items]
            raise TransactionCanceledException(reasons)
        try:
            with _WRITES:
                saved = _saved_items(self, transact_items)
                if saved is None:  # a table with a stream: moto's whole-table copy also undoes its records
                    original_transact(self, transact_items)
                    return
                _TABLE_COPY.skip = True
                try:
                    original_transact(self, transact_items)
                except Exception:
                    _restore_items(self, saved)
                    raise
                finally:
                    _TABLE_COPY.skip = False
        finally:
            _release(items, until)

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    for name in ("put_item", "update_item", "delete_item"):
        write = getattr(DynamoDBBackend, name)

        def serialised(self: Any, *args: Any, _write: Any = write, **kwargs: Any) -> Any:
            with _WRITES:
                return _write(self, *args, **kwargs)

        setattr(DynamoDBBackend, name, serialised)

    # A read returns moto's item objects themselves, and the response is built from them after the backend
    # call; a write that changes one meanwhile crashed the read (`dictionary changed size during iteration`,
    # a 500). On AWS a read sees an item whole: reads are serialised with the writes, response included.
    for name in ("get_item", "batch_get_item", "query", "scan", "transact_get_items"):
        handler = getattr(DynamoHandler, name)

        def whole(self: Any, *args: Any, _handler: Any = handler, **kwargs: Any) -> Any:
            with _WRITES:
                return _handler(self, *args, **kwargs)

        setattr(DynamoHandler, name, whole)


def _complete_error_names() -> None:
    """Local error responses always carry a request id, and DynamoDB task errors are named as on AWS.

    The engine reads `ResponseMetadata.RequestId` of every service error; a response without one crashes the
    execution with an uncatchable States.Runtime KeyError instead of raising the service's error. The optimized
    DynamoDB integration names an error by its code (`DynamoDB.InternalServerError`) where AWS appends
    `Exception` to a name that lacks it (`DynamoDB.InternalServerErrorException`).
    """
    from botocore.exceptions import ClientError
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_aws_sdk,
        state_task_service_dynamodb,
        state_task_service_lambda,
        state_task_service_sns,
    )

    for cls in (
        state_task_service_aws_sdk.StateTaskServiceAwsSdk,
        state_task_service_dynamodb.StateTaskServiceDynamoDB,
        state_task_service_lambda.StateTaskServiceLambda,
        state_task_service_sns.StateTaskServiceSns,
    ):
        original = cls._from_error

        def from_error(self: Any, env: Any, ex: Exception, _original: Any = original) -> Any:
            if isinstance(ex, ClientError):
                metadata = ex.response.setdefault("ResponseMetadata", {})
                metadata.setdefault("RequestId", f"local-{uuid.uuid4()}")
                metadata.setdefault("HTTPStatusCode", 500)
            return _original(self, env, ex)

        cls._from_error = from_error  # type: ignore[method-assign]

    dynamodb = state_task_service_dynamodb.StateTaskServiceDynamoDB
    error_cause = dynamodb._error_cause_from_client_error

    def aws_named(client_error: ClientError) -> tuple[str, str]:
        error, cause = error_cause(client_error)
        return (error if error.endswith("Exception") else error + "Exception"), cause

    dynamodb._error_cause_from_client_error = staticmethod(aws_named)  # type: ignore[method-assign]


def apply() -> None:
    global _applied
    if _applied:
        return
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_aws_sdk as aws_sdk,
    )

    aws_sdk._SERVICE_ERROR_NAMES.update(AWS_SDK_ERROR_PREFIXES)  # type: ignore[attr-defined]
    _unique_s3_event_ids()
    _enforce_post_policies()
    _atomic_dynamodb_writes()
    _complete_error_names()
    _applied = True
