"""Fault injection hooks on the embedded stack: each injected fault is seen where AWS would show it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config

from functions import names
from functions.ports import IndexUnavailableError
from salon.local import faults
from tests.conftest import history, jpeg

pytestmark = pytest.mark.workflow
APPROVE = {"result": {"Labels": [{"Name": "Manicure", "Confidence": 96.0, "Parents": []}]}}


@pytest.fixture
def inject(stack: Any) -> Iterator[Any]:
    """Adds faults through the Lambda endpoint's HTTP hook; clears them after the test."""

    def add(spec: dict[str, Any]) -> dict[str, Any]:
        response = requests.post(f"{stack.endpoints.lambda_}/_salon/faults", data=json.dumps(spec), timeout=5)
        response.raise_for_status()
        return dict(response.json()["faults"][-1])

    yield add
    requests.delete(f"{stack.endpoints.lambda_}/_salon/faults", timeout=5).raise_for_status()


def upload(client: Any, stack: Any, tmp_path: Path, user: str) -> dict[str, Any]:
    stack.ai.script("DetectLabels", [APPROVE], match=f"/{user}/")
    path = tmp_path / "photo.jpg"
    path.write_bytes(jpeg(300, 300, (190, 30, 80)))
    result: dict[str, Any] = client.upload(path, user, wait=True)
    return result


def task_failures(arn: str) -> list[tuple[str, str]]:
    """(error, cause) of every failed attempt in the execution's history."""
    found = []
    for event in history(arn):
        for key, details in event.items():
            if key.endswith("FailedEventDetails") and "error" in details:
                found.append((details["error"], str(details.get("cause", ""))))
    return found


def task_errors(arn: str) -> list[str]:
    return [error for error, _ in task_failures(arn)]


def test_hook_is_off_by_default_and_refuses_bad_specs(stack):
    base = f"{stack.endpoints.lambda_}/_salon/faults"
    assert requests.get(base, timeout=5).json() == {"faults": []}
    for bad in ({"kind": "meteor"}, {"kind": "function", "count": 1}, {"kind": "dynamodb", "rate": 2}, [1], {}):
        response = requests.post(base, data=json.dumps(bad), timeout=5)
        assert response.status_code == 400 and response.json()["message"]
    assert requests.post(base, data=b"{not json", timeout=5).status_code == 400
    assert requests.get(base, timeout=5).json() == {"faults": []}


def test_scripted_function_error_is_in_the_execution_history(client, stack, inject, tmp_path):
    inject({"kind": "function", "function": names.FN_INDEX_DOCUMENT, "error": "BoomError", "count": 1})
    result = upload(client, stack, tmp_path, "fault-fn")
    assert "BoomError" in task_errors(result["executionArn"])
    listed = requests.get(f"{stack.endpoints.lambda_}/_salon/faults", timeout=5).json()["faults"]
    assert listed[0]["injected"] == 1 and listed[0]["count"] == 0


def test_lambda_service_error_is_retried_by_the_workflow(client, stack, inject, tmp_path):
    inject(
        {
            "kind": "lambda-service",
            "function": names.FN_EVALUATE_POLICY,
            "error": "TooManyRequestsException",
            "count": 1,
        }
    )
    inject({"kind": "lambda-service", "function": names.FN_EVALUATE_POLICY, "error": "ServiceException", "count": 1})
    result = upload(client, stack, tmp_path, "fault-svc")
    errors = task_errors(result["executionArn"])
    assert "Lambda.TooManyRequestsException" in errors and "Lambda.ServiceException" in errors
    assert result["verdict"] == "approved"  # both are in the ASL's Retry, so the third try went through


def test_index_outage_fails_index_calls_until_it_ends(stack, inject):
    from functions import config
    from functions.adapters import search_index

    cfg = config.settings(config.IndexDocumentSettings)
    index = search_index(cfg.search_backend, cfg.search_endpoint, cfg.aws_region)
    assert isinstance(index, faults.FaultyIndex)
    before = index.count(names.PHOTOS_INDEX)
    inject({"kind": "index-outage", "seconds": 30})
    with pytest.raises(IndexUnavailableError):
        index.count(names.PHOTOS_INDEX)
    with pytest.raises(IndexUnavailableError):
        index.ids(names.COMMENTS_INDEX)
    requests.delete(f"{stack.endpoints.lambda_}/_salon/faults", timeout=5)
    assert index.count(names.PHOTOS_INDEX) == before


def test_index_outage_is_seen_by_the_index_function_and_ridden_out(client, stack, inject, tmp_path):
    inject({"kind": "index-outage", "seconds": 5})
    result = upload(client, stack, tmp_path, "fault-idx")
    failures = task_failures(result["executionArn"])
    assert any(
        error == "TransientError" and "IndexUnavailableError" in cause and "injected outage" in cause
        for error, cause in failures
    ), failures
    assert result["verdict"] == "approved"  # retried with backoff until the index came back


def test_dynamodb_throttling_reaches_boto3_and_the_engine(client, stack, inject, tmp_path):
    ddb = boto3.client("dynamodb", config=Config(retries={"max_attempts": 0}))
    inject({"kind": "dynamodb", "error": "ThrottlingException", "count": 1, "operations": ["DescribeTable"]})
    with pytest.raises(ddb.exceptions.ClientError) as raised:
        ddb.describe_table(TableName=names.PHOTOS_TABLE)
    assert raised.value.response["Error"]["Code"] == "ThrottlingException"
    assert ddb.describe_table(TableName=names.PHOTOS_TABLE)["Table"]["TableName"] == names.PHOTOS_TABLE

    inject({"kind": "dynamodb", "count": 1, "operations": ["PutItem"]})
    result = upload(client, stack, tmp_path, "fault-ddb")
    assert "DynamoDB.ProvisionedThroughputExceededException" in task_errors(result["executionArn"])
    assert result["verdict"] == "approved"  # throttling is in every DynamoDB task's Retry


def test_ai_error_rate_fails_that_share_of_calls(stack):
    url = f"{stack.endpoints.ai}/_salon/script"
    spec = {"operation": "DetectDominantLanguage", "rate": 1.0, "error": "ThrottlingException"}
    requests.post(url, data=json.dumps(spec), timeout=5).raise_for_status()
    try:
        comprehend = boto3.client(
            "comprehend",
            endpoint_url=stack.endpoints.ai,
            config=Config(retries={"max_attempts": 0}),
        )
        with pytest.raises(comprehend.exceptions.ClientError) as raised:
            comprehend.detect_dominant_language(Text="hello there")
        assert raised.value.response["Error"]["Code"] == "ThrottlingException"
    finally:
        requests.delete(url, timeout=5)


def test_rates_fail_about_that_share_and_counts_are_exact():
    plan = faults.FaultPlan(seed=7)
    plan.add({"kind": "function", "function": "f", "rate": 0.2})
    hits = sum(plan.take("function", "f") is not None for _ in range(2000))
    assert 300 < hits < 500
    assert plan.take("function", "other") is None
    plan.clear()
    plan.add({"kind": "dynamodb", "count": 3, "operations": ["PutItem"]})
    assert [plan.take("dynamodb", operation="PutItem") is not None for _ in range(5)] == [True] * 3 + [False] * 2
    assert plan.take("dynamodb", operation="GetItem") is None
