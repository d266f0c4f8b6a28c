"""The local runtime's in-process requests (salon/local/loopback.py) reach a server's app as its socket requests do,
and the client reads the same answer: compared with the same botocore calls sent over the connection."""

from __future__ import annotations

import contextlib
import io
import json
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from salon.local import loopback
from salon.local.httpserver import BackgroundServer, moto_server

VOLATILE = {"wsgi.input", "wsgi.errors", "werkzeug.socket", "REMOTE_PORT", "werkzeug.request"}
# botocore's per-attempt headers: a fresh value on every request, however it is sent
PER_REQUEST = {"HTTP_AMZ_SDK_INVOCATION_ID", "HTTP_AMZ_SDK_REQUEST", "HTTP_X_AMZ_DATE", "HTTP_AUTHORIZATION"}


class Recorder:
    """A WSGI app that keeps what it was handed (environ, body) and answers with a fixed, odd response."""

    def __init__(self) -> None:
        self.seen: list[tuple[dict[str, Any], bytes, str]] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        body = environ["wsgi.input"].read()
        kept = {k: v for k, v in environ.items() if k not in VOLATILE and k not in PER_REQUEST}
        self.seen.append((kept, body, threading.current_thread().name))
        if environ["PATH_INFO"].endswith("/stream"):
            start_response("200 OK", [("Content-Type", "application/octet-stream")])  # no length: chunked
            return iter([b"part one, ", b"part two"])
        payload = json.dumps({"Item": {"k": {"S": "v"}}}).encode()
        start_response(
            "200 OK",
            [
                ("Content-Type", "application/x-amz-json-1.0"),
                ("Content-Length", str(len(payload))),
                ("x-amzn-RequestId", "fixed-id"),
                ("X-Twice", "one"),
                ("X-Twice", "two"),
                ("X-Padded", "  padded value"),
            ],
        )
        return [payload]


@pytest.fixture
def recorded() -> Iterator[tuple[BackgroundServer, Recorder]]:
    server = moto_server("127.0.0.1", 0)  # moto's handler class: underscored header names kept
    app = server.app = Recorder()
    server.start()
    yield server, app
    server.stop()


def clients(service: str, url: str) -> tuple[Any, Any]:
    config = Config(retries={"max_attempts": 0}, s3={"addressing_style": "path"})
    make = lambda: boto3.client(  # noqa: E731
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="a",
        aws_secret_access_key="b",
        config=config,
    )
    return make(), loopback.attach(make())


CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("dynamodb", "get_item", {"TableName": "t", "Key": {"k": {"S": "ä ü"}}}),
    ("s3", "put_object", {"Bucket": "b", "Key": "a key/ü+x", "Body": b"bytes", "Metadata": {"my_key": "v", "o": "p"}}),
    ("s3", "put_object", {"Bucket": "b", "Key": "file", "Body": io.BytesIO(b"x" * 40_000)}),
    ("s3", "get_object", {"Bucket": "b", "Key": "k", "Range": "bytes=0-3", "VersionId": "v1"}),
    ("s3", "list_objects_v2", {"Bucket": "b", "Prefix": "p/q r"}),
    ("s3", "head_object", {"Bucket": "b", "Key": "k"}),
    ("lambda", "invoke", {"FunctionName": "f", "Payload": b'{"a": 1}', "InvocationType": "Event"}),
    ("sqs", "receive_message", {"QueueUrl": "http://q/123/q", "WaitTimeSeconds": 1}),
]


@pytest.mark.parametrize(("service", "operation", "params"), CALLS, ids=[f"{s}.{o}" for s, o, _ in CALLS])
def test_the_app_is_handed_the_same_request(recorded: Any, service: str, operation: str, params: Any) -> None:
    server, app = recorded
    wire, in_process = clients(service, server.url)
    for client in (wire, in_process):
        fresh = {k: (io.BytesIO(v.getvalue()) if isinstance(v, io.BytesIO) else v) for k, v in params.items()}
        with contextlib.suppress(Exception):  # the fixed answer may not parse as this operation's output
            getattr(client, operation)(**fresh)
    (over_wire, wire_body, wire_thread), (handed, body, thread) = app.seen
    assert handed == over_wire
    assert body == wire_body
    assert wire_thread.startswith("Thread-") and thread == threading.current_thread().name  # no server thread


def test_the_client_reads_the_same_answer(recorded: Any) -> None:
    server, _ = recorded
    wire, in_process = clients("dynamodb", server.url)
    answers = [c.get_item(TableName="t", Key={"k": {"S": "x"}}) for c in (wire, in_process)]
    for answer in answers:
        answer["ResponseMetadata"]["HTTPHeaders"].pop("date")
    assert answers[0] == answers[1]
    assert answers[1]["ResponseMetadata"]["HTTPHeaders"]["x-twice"] == "one, two"
    s3_wire, s3_in_process = clients("s3", server.url)
    streamed = [c.get_object(Bucket="b", Key="stream") for c in (s3_wire, s3_in_process)]
    assert [s["Body"].read() for s in streamed] == [b"part one, part two"] * 2
    headers = [s["ResponseMetadata"]["HTTPHeaders"] for s in streamed]
    for h in headers:
        h.pop("date")
    assert headers[0] == headers[1] and headers[1]["transfer-encoding"] == "chunked"


def test_moto_answers_alike_errors_included(recorded: Any) -> None:
    server, _ = recorded
    server.app = moto_server("127.0.0.1", 0).app  # moto's own app (never served: no thread, no port kept)
    wire, in_process = clients("s3", server.url)
    wire.create_bucket(Bucket="loopback-alike")
    results = []
    for client in (wire, in_process):
        client.put_object(Bucket="loopback-alike", Key="ü key", Body=b"abc", Metadata={"my_key": "1"})
        got = client.get_object(Bucket="loopback-alike", Key="ü key")
        head = client.head_object(Bucket="loopback-alike", Key="ü key")
        with pytest.raises(ClientError) as missing:
            client.get_object(Bucket="loopback-alike", Key="missing")
        results.append((got["Body"].read(), got["Metadata"], head["ContentLength"], missing.value.response["Error"]))
    assert results[0] == results[1]
    assert results[1][1] == {"my_key": "1"}


def test_an_app_failure_is_a_500_and_a_stopped_server_goes_over_the_network(recorded: Any) -> None:
    server, _ = recorded

    def failing(environ: Any, start_response: Any) -> Any:
        raise RuntimeError("the app failed")

    server.app = failing
    _, in_process = clients("dynamodb", server.url)
    with pytest.raises(ClientError) as failed:
        in_process.get_item(TableName="t", Key={"k": {"S": "x"}})
    assert failed.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert loopback.served(server.url)
    server.stop()
    assert not loopback.served(server.url)
    with pytest.raises(Exception, match="Could not connect"):
        in_process.get_item(TableName="t", Key={"k": {"S": "x"}})


def test_the_stacks_own_clients_go_in_process_and_the_handlers_stay_on_the_wire(stack: Any) -> None:
    from moto.stepfunctions.parser.asl.utils import boto_client

    from functions import adapters

    endpoints = stack.endpoints
    assert all(loopback.served(url) for url in (endpoints.moto, endpoints.lambda_, endpoints.ai, endpoints.api))
    engine = boto_client.boto_client_for(region=endpoints.region, service="lambda")  # the engine's Task client
    mapping = next(iter(stack.mappings.values()))
    own = [engine, mapping.sqs, mapping.lam, stack.client("s3"), stack.client("stepfunctions")]
    assert all(isinstance(c._endpoint.http_session, loopback.LoopbackSession) for c in own)
    handlers = [adapters.client("dynamodb"), adapters.client("s3"), adapters.client("events")]  # the product's
    assert not any(isinstance(c._endpoint.http_session, loopback.LoopbackSession) for c in handlers)
