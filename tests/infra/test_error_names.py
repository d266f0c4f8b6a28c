"""Every error name a workflow retries or catches is one its integration really raises, on AWS and locally.

The rule (Step Functions developer guide, "AWS SDK service integrations"): an aws-sdk error is
`<Service>.<ErrorName>` with `Exception` appended to a name that lacks it; an error the SDK does not
model arrives as the service's generic exception (`Comprehend.ComprehendException`, `S3.S3Exception`).
The modelled names come from the botocore service models (the same models both SDKs are generated from).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest

from functions import errors
from infra.permissions import RESOURCE_PREFIX, tasks
from workflows import asl

WORKFLOWS = sorted(p.name.removesuffix(".asl.json") for p in asl.WORKFLOWS_DIR.glob("*.asl.json"))
# aws-sdk service id -> (error prefix, generic exception of unmodelled errors)
SDK_SERVICES = {
    "rekognition": ("Rekognition", "RekognitionException"),
    "comprehend": ("Comprehend", "ComprehendException"),
    "s3": ("S3", "S3Exception"),
    "dynamodb": ("DynamoDb", "DynamoDbException"),
}
# optimized integration -> (botocore service, error prefix, names raised besides the modelled ones)
OPTIMIZED = {
    "dynamodb": ("dynamodb", "DynamoDB", {"DynamoDB.AmazonDynamoDBException"}),
    "sns": ("sns", "SNS", set()),
    "events": ("events", "EventBridge", {"EventBridge.FailedEntry"}),
}
LAMBDA_SERVICE_ERRORS = {
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "Lambda.Unknown",
}
FUNCTION_ERRORS = {
    name for name, value in vars(errors).items() if isinstance(value, type) and issubclass(value, Exception)
}


def _modelled(service: str, prefix: str) -> set[str]:
    model = botocore.session.get_session().get_service_model(service)
    return {
        f"{prefix}.{n}" if n.endswith("Exception") else f"{prefix}.{n}Exception"
        for n in (s.name for s in model.error_shapes)
    }


def raisable(resource: str) -> set[str]:
    integration = resource.removeprefix(RESOURCE_PREFIX).removesuffix(".waitForTaskToken")
    if integration.startswith("aws-sdk:"):
        service = integration.split(":")[1]
        prefix, generic = SDK_SERVICES[service]
        return _modelled(service, prefix) | {f"{prefix}.{generic}"}
    service = integration.split(":")[0]
    if service == "lambda":
        return LAMBDA_SERVICE_ERRORS | FUNCTION_ERRORS
    botocore_service, prefix, extra = OPTIMIZED[service]
    return _modelled(botocore_service, prefix) | extra


def handled(state: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for kind in ("Retry", "Catch"):
        for rule in state.get(kind, []):
            for name in rule["ErrorEquals"]:
                yield kind, name


@pytest.mark.parametrize("workflow", WORKFLOWS)
def test_every_handled_error_name_is_one_the_integration_raises(workflow):
    definition = json.loads(asl.definition_path(workflow).read_text())
    wrong = [
        f"{name}: {kind} {error}"
        for name, state in tasks(definition)
        for kind, error in handled(dict(state))
        if not error.startswith("States.") and error not in raisable(state["Resource"])
    ]
    assert not wrong, wrong


TRANSIENT = {
    "aws-sdk:rekognition": {"Rekognition.ThrottlingException", "Rekognition.InternalServerErrorException"},
    "aws-sdk:comprehend": {"Comprehend.TooManyRequestsException", "Comprehend.ComprehendException"},
    "aws-sdk:s3": {"S3.S3Exception"},
    "aws-sdk:dynamodb": {"DynamoDb.ProvisionedThroughputExceededException", "DynamoDb.ThrottlingException"},
    "dynamodb": {"DynamoDB.ProvisionedThroughputExceededException", "DynamoDB.ThrottlingException"},
    "lambda": {"Lambda.TooManyRequestsException", "Lambda.ServiceException", "TransientError"},
}


@pytest.mark.parametrize("workflow", WORKFLOWS)
def test_every_task_retries_the_transient_errors_of_its_service(workflow):
    definition = json.loads(asl.definition_path(workflow).read_text())
    missing = []
    for name, state in tasks(definition):
        integration = state["Resource"].removeprefix(RESOURCE_PREFIX)
        service = (
            ":".join(integration.split(":")[:2]) if integration.startswith("aws-sdk:") else integration.split(":")[0]
        )
        retried = {e for rule in state.get("Retry", []) for e in rule["ErrorEquals"]}
        missing += [f"{name}: {e}" for e in sorted(TRANSIENT.get(service, set()) - retried)]
    assert not missing, missing


def test_the_generic_exception_is_retried_last_and_briefly():
    """An unmodelled error may be permanent (AccessDenied): its retrier comes after the precise ones, at most 3."""
    for workflow in WORKFLOWS:
        for name, state in tasks(json.loads(asl.definition_path(workflow).read_text())):
            rules = state.get("Retry", [])
            for i, rule in enumerate(rules):
                generic = [e for e in rule["ErrorEquals"] if e.split(".")[-1] in {g for _, g in SDK_SERVICES.values()}]
                if generic:
                    assert rule["ErrorEquals"] == generic and i == len(rules) - 1, name
                    assert rule["MaxAttempts"] <= 3, name
