"""IAM: no wildcard actions, Resource '*' only for recorded actions, and each state machine role holds exactly
the actions its ASL's integrations need, on the resources its substitutions name."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions import names
from infra import permissions
from infra.permissions import DYNAMIC, WILDCARD, WILDCARD_RESOURCE_ACTIONS
from tests.infra.conftest import logical_id, resource_at
from workflows import asl

pytestmark = pytest.mark.infra

# Object and path wildcards granted on purpose (acknowledged with reasons in infra/).
RECORDED_SUFFIXES = {
    f"/{names.UPLOAD_PREFIX}*",
    f"/{names.QUARANTINE_PREFIX}*",
    f"/{names.STRAY_PREFIX}*",  # where stray objects are moved (quarantine/stray/)
    f"/{names.RENDITION_PREFIX}*",
    f"/{names.PUBLISHED_PREFIX}*",
    f"/{names.PHOTOS_INDEX}/*",
    f"/{names.COMMENTS_INDEX}/*",
    ".Name>:*",  # every execution of a state machine (reconcile reads their status)
    ".Arn>:*",  # a function's versions: CDK's grantInvoke (the reconcile schedule)
}
# What Step Functions needs besides the ASL's integrations: logging ALL, X-Ray, and the topic's KMS key.
STATE_MACHINE_EXTRAS = {a for a in WILDCARD_RESOURCE_ACTIONS if a.startswith(("logs:", "xray:"))} | {
    "kms:Decrypt",
    "kms:GenerateDataKey",
}
WORKFLOWS = {"ImageModeration": "image_moderation", "CommentSentiment": "comment_sentiment"}


def _flat(value: Any) -> str:
    """A resource as text: intrinsics become <LogicalId.Attr> / <Ref>, literals stay."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        return "".join(_flat(part) for part in value["Fn::Join"][1])
    if "Fn::GetAtt" in value:
        return f"<{value['Fn::GetAtt'][0]}.{value['Fn::GetAtt'][1]}>"
    if "Ref" in value:
        return f"<{value['Ref']}>"
    return json.dumps(value)


def _listify(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(policy logical id, statement) for every identity policy statement in the stack."""
    found = []
    for lid, resource in template["Resources"].items():
        if resource["Type"] == "AWS::IAM::Policy":
            found += [(lid, s) for s in resource["Properties"]["PolicyDocument"]["Statement"]]
        if resource["Type"] == "AWS::IAM::Role":
            for policy in resource["Properties"].get("Policies", []):
                found += [(lid, s) for s in policy["PolicyDocument"]["Statement"]]
    return found


def _role_statements(template: dict[str, Any], role_path: str) -> list[dict[str, Any]]:
    role = logical_id(template, role_path)
    policies = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Policy"]
    return [s for p in policies if {"Ref": role} in p["Roles"] for s in p["PolicyDocument"]["Statement"]]


@pytest.mark.parametrize("variant", ["cli", "teardown"])
def test_no_action_wildcards_and_no_managed_policies(synths: Any, variant: str) -> None:
    template = synths[variant].template
    for lid, statement in _statements(template):
        if statement["Effect"] == "Deny":  # a deny only narrows a grant (the stray-object role's)
            assert lid.startswith("FunctionsReportStrayObjectRole"), lid
            continue
        assert statement["Effect"] == "Allow", lid
        for action in _listify(statement["Action"]):
            assert "*" not in action, (lid, action)
    if variant == "cli":  # the teardown variant adds CDK's bucket auto-delete provider
        for lid, resource in template["Resources"].items():
            if resource["Type"] == "AWS::IAM::Role":
                assert "ManagedPolicyArns" not in resource["Properties"], lid


def test_resource_wildcards_only_where_recorded(template: dict[str, Any]) -> None:
    site_files = f"<{logical_id(template, 'Site/Bucket/Resource')}.Arn>/*"  # every key there is a site file
    # A stray object may have any key: its reporter reads and moves any object but those under the stack's
    # prefixes, which a Deny statement beside the grant takes back.
    any_upload = f"<{logical_id(template, 'Storage/Uploads/Resource')}.Arn>/*"
    for lid, statement in _statements(template):
        if statement["Effect"] == "Deny":
            continue
        for resource in map(_flat, _listify(statement["Resource"])):
            if resource == "*":
                unrecorded = set(_listify(statement["Action"])) - set(WILDCARD_RESOURCE_ACTIONS)
                assert unrecorded == set(), (lid, unrecorded)
            elif resource == site_files:
                assert lid.startswith("SitePublishRole"), lid  # only the site publisher writes there
            elif resource == any_upload:
                assert lid.startswith("FunctionsReportStrayObjectRole"), lid
            elif "*" in resource:
                assert any(resource.endswith(s) and resource.count("*") == 1 for s in RECORDED_SUFFIXES), (
                    lid,
                    resource,
                )


@pytest.mark.parametrize("construct", sorted(WORKFLOWS))
def test_state_machine_role_has_exactly_the_asl_actions(template: dict[str, Any], construct: str) -> None:
    definition = json.loads(asl.definition_path(WORKFLOWS[construct]).read_text())
    statements = _role_statements(template, f"{construct}/Role/Resource")
    granted = {a for s in statements for a in _listify(s["Action"])}
    assert granted == permissions.actions(definition) | STATE_MACHINE_EXTRAS


@pytest.mark.parametrize("construct", sorted(WORKFLOWS))
def test_state_machine_grants_name_the_substituted_resources(template: dict[str, Any], construct: str) -> None:
    definition = json.loads(asl.definition_path(WORKFLOWS[construct]).read_text())
    _, machine = resource_at(template, f"{construct}/StateMachine/Resource")
    substitutions = machine["Properties"]["DefinitionSubstitutions"]
    statements = _role_statements(template, f"{construct}/Role/Resource")
    for need in permissions.needs(definition):
        resources = {
            _flat(r) for s in statements if need.action in _listify(s["Action"]) for r in _listify(s["Resource"])
        }
        if need.resource == WILDCARD:
            assert resources == {"*"}, need
        elif need.resource == DYNAMIC:
            assert resources and all(r.endswith("*") for r in resources), need
        else:
            value = substitutions[need.resource]
            if isinstance(value, dict):  # Ref X / GetAtt X.Arn: the grant names the same resource X
                target = value["Ref"] if "Ref" in value else value["Fn::GetAtt"][0]
                assert any(target in r for r in resources), (need, resources)
            else:  # a literal substitution, e.g. the default event bus name
                assert any(r.endswith(f"/{value}") for r in resources), (need, resources)


def test_put_events_is_limited_to_the_asl_event_types(template: dict[str, Any]) -> None:
    [statement] = [
        s for s in _role_statements(template, "ImageModeration/Role/Resource") if s["Action"] == "events:PutEvents"
    ]
    assert statement["Condition"] == {
        "StringEquals": {
            "events:source": [names.EVENT_SOURCE],
            "events:detail-type": [
                names.EVENT_PHOTO_IN_REVIEW,
                names.EVENT_PHOTO_PUBLISHED,
                names.EVENT_PHOTO_QUARANTINED,
                names.EVENT_PHOTO_REJECTED,
            ],
        }
    }


def test_the_image_workflow_reads_only_named_versions_of_uploads_and_renditions(template: dict[str, Any]) -> None:
    statements = _role_statements(template, "ImageModeration/Role/Resource")

    def resources(action: str) -> set[str]:
        return {_flat(r) for s in statements if action in _listify(s["Action"]) for r in _listify(s["Resource"])}

    uploads = logical_id(template, "Storage/Uploads/Resource")
    assert resources("s3:GetObject") == {f"<{uploads}.Arn>/{names.QUARANTINE_PREFIX}*"}  # restore on release
    assert resources("s3:GetObjectVersion") == {
        f"<{uploads}.Arn>/{names.UPLOAD_PREFIX}*",
        f"<{uploads}.Arn>/{names.RENDITION_PREFIX}*",
    }
    assert resources("s3:DeleteObjectVersion") == {f"<{uploads}.Arn>/{names.UPLOAD_PREFIX}*"}
    assert resources("s3:PutObject") == {
        f"<{uploads}.Arn>/{names.UPLOAD_PREFIX}*",
        f"<{uploads}.Arn>/{names.QUARANTINE_PREFIX}*",
        f"<{uploads}.Arn>/{names.PUBLISHED_PREFIX}*",
    }


def test_trust_policies(template: dict[str, Any]) -> None:
    for construct in WORKFLOWS:
        _, role = resource_at(template, f"{construct}/Role/Resource")
        [statement] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Principal"] == {"Service": "states.amazonaws.com"}
        assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    _, role = resource_at(template, "Functions/InspectUpload/Role/Resource")
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "lambda.amazonaws.com"
    }


def test_functions_hold_only_their_own_grants(template: dict[str, Any]) -> None:
    def actions(function: str) -> set[str]:
        statements = _role_statements(template, f"Functions/{function}/Role/Resource")
        return {a for s in statements for a in _listify(s["Action"])}

    base = {"logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords"}
    assert actions("EvaluatePolicy") == base
    assert actions("RenderAlert") == base
    assert actions("ScreenComment") == base  # pure logic: the workflow calls Comprehend itself
    assert actions("RequestReview") == base | {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "sns:Publish",
        "kms:Decrypt",
        "kms:GenerateDataKey",
    }
    assert actions("InspectUpload") == base | {
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:ListBucketVersions",
        "s3:PutObject",
    }
    assert actions("AssessComment") == base | {"dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}
    assert actions("StartWorkflow") == base | {
        "states:StartExecution",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
    }
    assert actions("PublishLive") == base | {
        "appsync:EventPublish",
        "dynamodb:GetItem",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
    }
    assert actions("HttpApi") == base | {
        "s3:PutObject",
        "s3:GetObject",  # presigned review images
        "s3:ListBucket",  # find a quarantined upload (prefix-conditioned)
        "s3:DeleteObject",  # take-down: the published copy the CDN serves
        "dynamodb:GetItem",
        "dynamodb:Scan",  # pending reviews, a designer's decisions
        "dynamodb:Query",  # decision history, the gallery indexes
        "dynamodb:PutItem",  # take-down history item
        "dynamodb:UpdateItem",  # review decisions, take-downs
        "events:PutEvents",
        "es:ESHttpGet",
        "es:ESHttpPost",
        "es:ESHttpDelete",  # take-down
        "es:ESHttpPut",  # approving or rejecting a held comment rewrites its document
        "states:StartExecution",  # appeals and releases
        *permissions.TASK_RESPONSE_ACTIONS,  # the owner's decision
    }
    assert actions("PostConfirmation") == base | {"cognito-idp:AdminAddUserToGroup"}  # self sign-ups: customers
    assert actions("IndexDocument") == base | {
        "es:ESHttpGet",
        "es:ESHttpHead",
        "es:ESHttpPost",
        "es:ESHttpPut",
        "es:ESHttpDelete",
    }


def test_the_stray_object_role_is_denied_the_stacks_own_objects(template: dict[str, Any]) -> None:
    uploads = logical_id(template, "Storage/Uploads/Resource")
    denied = [
        (set(_listify(st["Action"])), {_flat(r) for r in _listify(st["Resource"])})
        for lid, st in _statements(template)
        if st["Effect"] == "Deny" and lid.startswith("FunctionsReportStrayObjectRole")
    ]
    assert denied, "the grant on any object must come with its deny"
    prefixes = {f"<{uploads}.Arn>/{p}*" for p in names.STACK_PREFIXES}
    assert any(prefixes <= resources and "s3:DeleteObject" in actions for actions, resources in denied)
