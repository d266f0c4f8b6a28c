"""The ASL -> IAM derivation (infra/permissions.py), on the real workflow files and on small definitions."""

from __future__ import annotations

from typing import Any

import pytest

from infra import permissions
from infra.permissions import DEFAULT_EVENT_BUS, DYNAMIC, WILDCARD, Need, UnsupportedIntegration
from workflows import asl

pytestmark = pytest.mark.infra


def _task(resource: str, parameters: dict[str, Any]) -> dict[str, Any]:
    state = {
        "Type": "Task",
        "Resource": f"arn:${{Partition}}:states:::{resource}",
        "Parameters": parameters,
        "End": True,
    }
    return {"StartAt": "T", "States": {"T": state}}


def test_image_workflow_actions() -> None:
    definition = permissions.load(asl.definition_path("image_moderation"))
    assert permissions.actions(definition) == {
        "lambda:InvokeFunction",
        "rekognition:DetectModerationLabels",
        "rekognition:DetectLabels",
        "s3:GetObject",  # RestoreFromQuarantine reads the quarantined copy
        "s3:GetObjectTagging",
        "s3:GetObjectVersion",
        "s3:GetObjectVersionTagging",
        "s3:PutObject",
        "s3:PutObjectTagging",
        "s3:PutObjectVersionTagging",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",  # ExpireReview, MarkAnnounced
        "sns:Publish",
        "events:PutEvents",
    }
    needs = permissions.needs(definition)
    # Rekognition reads the judged version of the rendition from S3 with the state machine's credentials.
    assert Need("s3:GetObjectVersion", DYNAMIC, "DetectLabels") in needs
    assert Need("s3:GetObjectVersion", DYNAMIC, "DetectModerationLabels") in needs
    # Calls on one named version need the *Version actions; the delete marker of RemoveOriginal does not.
    assert Need("s3:DeleteObjectVersion", DYNAMIC, "RemoveDuplicate") in needs
    assert Need("s3:DeleteObject", DYNAMIC, "RemoveOriginal") in needs
    assert Need("s3:GetObjectVersion", DYNAMIC, "PublishRendition") in needs
    assert Need("s3:PutObjectVersionTagging", DYNAMIC, "TagRejectedObject") in needs
    assert {n.resource for n in needs if n.action == "lambda:InvokeFunction"} == {
        "InspectUploadFunctionArn",
        "EvaluatePolicyFunctionArn",
        "IndexDocumentFunctionArn",
        "RenderAlertFunctionArn",
        "RequestReviewFunctionArn",
    }
    assert Need("lambda:InvokeFunction", "RequestReviewFunctionArn", "AskOwner") in needs  # .waitForTaskToken
    assert permissions.callback_states(definition) == ["AskOwner", "RemindOwner"]


def test_callback_tasks_must_be_lambda_and_pass_the_token() -> None:
    sns = _task("sns:publish.waitForTaskToken", {"TopicArn": "${T}", "Message.$": "$$.Task.Token"})
    with pytest.raises(UnsupportedIntegration, match="only lambda:invoke"):
        permissions.needs(sns)
    tokenless = _task("lambda:invoke.waitForTaskToken", {"FunctionName": "${F}", "Payload": {}})
    with pytest.raises(UnsupportedIntegration, match=r"must pass \$\$.Task.Token"):
        permissions.needs(tokenless)
    ok = _task("lambda:invoke.waitForTaskToken", {"FunctionName": "${F}", "Payload": {"t.$": "$$.Task.Token"}})
    assert permissions.needs(ok) == [Need("lambda:InvokeFunction", "F", "T")]
    assert permissions.callback_states(ok) == ["T"]


def test_comment_workflow_actions() -> None:
    definition = permissions.load(asl.definition_path("comment_sentiment"))
    actions = permissions.actions(definition)
    assert {
        "comprehend:DetectDominantLanguage",
        "comprehend:DetectSentiment",
        "dynamodb:UpdateItem",
        "lambda:InvokeFunction",
        "sns:Publish",
    } <= actions
    assert all(not a.startswith(("s3:", "rekognition:")) for a in actions)


def test_nested_tasks_are_found() -> None:
    inner = _task("dynamodb:putItem", {"TableName": "${Table}"})
    definition = {
        "StartAt": "P",
        "States": {
            "P": {"Type": "Parallel", "Branches": [inner], "Next": "M"},
            "M": {"Type": "Map", "ItemProcessor": _task("sns:publish", {"TopicArn": "${Topic}"}), "End": True},
        },
    }
    assert {(n.action, n.resource) for n in permissions.needs(definition)} == {
        ("dynamodb:PutItem", "Table"),
        ("sns:Publish", "Topic"),
    }


def test_transactions_are_authorised_per_item() -> None:
    definition = _task(
        "aws-sdk:dynamodb:transactWriteItems",
        {
            "TransactItems": [
                {"Put": {"TableName": "${A}"}},
                {"Update": {"TableName": "${B}"}},
                {"ConditionCheck": {"TableName": "${A}"}},
            ]
        },
    )
    assert {(n.action, n.resource) for n in permissions.needs(definition)} == {
        ("dynamodb:PutItem", "A"),
        ("dynamodb:UpdateItem", "B"),
        ("dynamodb:ConditionCheckItem", "A"),
    }


def test_put_events_carries_source_and_detail_type() -> None:
    definition = _task("events:putEvents", {"Entries": [{"Source": "s", "DetailType": "d", "Detail": {}}]})
    [need] = permissions.needs(definition)
    assert need.resource == DEFAULT_EVENT_BUS
    assert need.conditions == (("events:source", "s"), ("events:detail-type", "d"))


def test_no_resource_level_apis_are_wildcards() -> None:
    definition = _task("aws-sdk:comprehend:detectSentiment", {"Text.$": "$.t", "LanguageCode": "en"})
    [need] = permissions.needs(definition)
    assert (need.action, need.resource) == ("comprehend:DetectSentiment", WILDCARD)


@pytest.mark.parametrize(
    ("resource", "parameters", "message"),
    [
        ("dynamodb:putItem", {"TableName": "salon-photos"}, "definition substitution"),
        ("aws-sdk:ec2:runInstances", {}, "not supported"),
        ("aws-sdk:s3:listBuckets", {}, "not supported"),
        ("ecs:runTask.sync", {}, ".sync"),
        ("lambda:invoke", {}, "missing"),
    ],
)
def test_anything_not_granted_precisely_is_refused(resource: str, parameters: dict[str, Any], message: str) -> None:
    with pytest.raises(UnsupportedIntegration, match=message):
        permissions.needs(_task(resource, parameters))


def test_literal_partition_is_refused() -> None:
    definition = _task("lambda:invoke", {"FunctionName": "${F}"})
    definition["States"]["T"]["Resource"] = "arn:aws:states:::lambda:invoke"
    with pytest.raises(UnsupportedIntegration, match="partition-safe"):
        permissions.needs(definition)
