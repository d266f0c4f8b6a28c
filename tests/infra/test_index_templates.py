"""The custom resource that applies the OpenSearch index templates: it signs, retries, and always answers
CloudFormation (a custom resource that never answers blocks the stack for an hour)."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from botocore.credentials import Credentials

from infra.index_templates import handler

pytestmark = pytest.mark.infra
CREDENTIALS = Credentials("AKIDEXAMPLE", "secret", "token")


class FakeOpener:
    def __init__(self, failures: list[int] | None = None) -> None:
        self.requests: list[urllib.request.Request] = []
        self.failures = list(failures or [])

    def __call__(self, request: urllib.request.Request, timeout: float) -> Any:
        self.requests.append(request)
        if self.failures and "_index_template" in request.full_url:
            code = self.failures.pop(0)
            raise urllib.error.HTTPError(request.full_url, code, "boom", {}, io.BytesIO(b'{"error":"x"}'))  # type: ignore[arg-type]
        response = io.BytesIO(b"{}")
        response.status = 200  # type: ignore[attr-defined]
        return response


def _event(kind: str, templates: dict[str, Any], old: dict[str, Any] | None = None) -> dict[str, Any]:
    event = {
        "RequestType": kind,
        "ResponseURL": "https://cfn.example/response",
        "StackId": "stack",
        "RequestId": "req",
        "LogicalResourceId": "IndexTemplates",
        "ResourceProperties": {"Endpoint": "search.example", "Templates": json.dumps(templates)},
    }
    if old is not None:
        event["OldResourceProperties"] = {"Templates": json.dumps(old)}
    return event


def _answer(opener: FakeOpener) -> dict[str, Any]:
    [answer] = [r for r in opener.requests if r.full_url == "https://cfn.example/response"]
    assert isinstance(answer.data, bytes)
    loaded: dict[str, Any] = json.loads(answer.data)
    return loaded


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setattr(handler.time, "sleep", lambda _: None)


def test_create_puts_each_template_signed() -> None:
    opener = FakeOpener()
    handler.handler(_event("Create", {"a": {"index_patterns": ["a"]}}), None, opener, CREDENTIALS)
    put = opener.requests[0]
    assert (put.get_method(), put.full_url) == ("PUT", "https://search.example/_index_template/a")
    assert put.headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/es/aws4_request" in put.headers["Authorization"]
    assert _answer(opener)["Status"] == "SUCCESS"


def test_update_deletes_removed_templates() -> None:
    opener = FakeOpener()
    handler.handler(_event("Update", {"a": {}}, old={"a": {}, "b": {}}), None, opener, CREDENTIALS)
    calls = [(r.get_method(), r.full_url.rsplit("/", 1)[-1]) for r in opener.requests[:-1]]
    assert calls == [("PUT", "a"), ("DELETE", "b")]


def test_server_errors_are_retried() -> None:
    opener = FakeOpener(failures=[503, 503])
    handler.handler(_event("Create", {"a": {}}), None, opener, CREDENTIALS)
    assert _answer(opener)["Status"] == "SUCCESS"
    assert len(opener.requests) == 4  # two failures, one success, one answer


def test_client_errors_fail_the_resource_with_the_reason() -> None:
    opener = FakeOpener(failures=[400])
    handler.handler(_event("Create", {"a": {}}), None, opener, CREDENTIALS)
    answer = _answer(opener)
    assert answer["Status"] == "FAILED"
    assert "400 from OpenSearch" in answer["Reason"]


def test_delete_touches_nothing() -> None:
    opener = FakeOpener()
    handler.handler(_event("Delete", {"a": {}}), None, opener, CREDENTIALS)
    assert len(opener.requests) == 1
    assert _answer(opener)["Status"] == "SUCCESS"
