"""The local Lambda endpoint reports errors the way Lambda does."""

from __future__ import annotations

import json

import boto3
import pytest

from functions import names


@pytest.fixture(scope="module")
def lam(stack):
    return boto3.client("lambda", endpoint_url=stack.endpoints.lambda_)


def test_function_error_comes_back_as_unhandled_with_error_type(lam):
    response = lam.invoke(FunctionName=names.FN_INDEX_DOCUMENT, Payload=json.dumps({"index": "nope"}))
    assert response["StatusCode"] == 200 and response["FunctionError"] == "Unhandled"
    payload = json.loads(response["Payload"].read())
    assert payload["errorType"] == "InvalidEventError" and "index_document_input" in payload["errorMessage"]


def test_success_by_full_arn(lam, stack):
    arn = stack.registry.arn(names.FN_EVALUATE_POLICY)
    response = lam.invoke(FunctionName=arn, Payload=json.dumps({"moderation": [], "labels": []}))
    assert "FunctionError" not in response
    assert json.loads(response["Payload"].read())["verdict"] == "rejected"


def test_unknown_function_is_resource_not_found(lam):
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName="no-such-function", Payload=b"{}")
