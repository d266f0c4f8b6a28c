"""The IAM actions a state machine needs, derived from its ASL file (JSONPath), integration by integration.

Pure Python (no CDK), so tests can check the derivation against the files in workflows/ directly.
A resource named in the ASL must be a definition substitution (``"${DecisionsTable}"``): the need then names
that placeholder and infra maps it to an ARN. A resource read from the input (``"Bucket.$"``) is DYNAMIC and
the caller must say which ARNs it may be. Integrations not listed here raise, so a new one is a decision.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WILDCARD = "*"  # the API has no resource-level permissions
DYNAMIC = "<dynamic>"  # the resource comes from the execution input
DEFAULT_EVENT_BUS = "<default-event-bus>"
RESOURCE_PREFIX = "arn:${Partition}:states:::"
_PLACEHOLDER = re.compile(r"^\$\{([A-Za-z0-9_]+)\}$")

# Rekognition and Comprehend analysis APIs have no resource-level permissions (Service Authorization
# Reference).
_NO_RESOURCE_APIS = {
    "rekognition": {"detectModerationLabels", "detectLabels", "detectText", "detectFaces"},
    "comprehend": {
        "detectDominantLanguage",
        "detectSentiment",
        "detectKeyPhrases",
        "detectEntities",
        "detectToxicContent",
        "detectPiiEntities",
        "batchDetectDominantLanguage",
        "batchDetectSentiment",
    },
}
# S3 SDK calls whose IAM actions differ from the API name (a copy reads the source and writes the target,
# tags included because CopyObject copies them by default).
_S3_ACTIONS = {
    "getObject": ("s3:GetObject",),
    "headObject": ("s3:GetObject",),
    "putObject": ("s3:PutObject",),
    "deleteObject": ("s3:DeleteObject",),
    "copyObject": ("s3:GetObject", "s3:GetObjectTagging", "s3:PutObject", "s3:PutObjectTagging"),
    "putObjectTagging": ("s3:PutObjectTagging",),
    "getObjectTagging": ("s3:GetObjectTagging",),
}
# The same calls on one named version (VersionId, or "?versionId=" in a CopySource) need the *Version actions.
_S3_VERSION_ACTIONS = {
    "s3:GetObject": "s3:GetObjectVersion",
    "s3:GetObjectTagging": "s3:GetObjectVersionTagging",
    "s3:DeleteObject": "s3:DeleteObjectVersion",
    "s3:PutObjectTagging": "s3:PutObjectVersionTagging",
}
_OPTIMIZED = {
    "lambda:invoke": ("lambda:InvokeFunction", "FunctionName"),
    "dynamodb:getItem": ("dynamodb:GetItem", "TableName"),
    "dynamodb:putItem": ("dynamodb:PutItem", "TableName"),
    "dynamodb:updateItem": ("dynamodb:UpdateItem", "TableName"),
    "dynamodb:deleteItem": ("dynamodb:DeleteItem", "TableName"),
    "sns:publish": ("sns:Publish", "TopicArn"),
    "sqs:sendMessage": ("sqs:SendMessage", "QueueUrl"),
}
# TransactWriteItems/TransactGetItems are authorised per item, by the item's own action.
_TRANSACT_ACTIONS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
    "Get": "dynamodb:GetItem",
}
_SDK_RESOURCE_KEY = {"dynamodb": "TableName", "sns": "TopicArn", "sqs": "QueueUrl", "lambda": "FunctionName"}


# The only actions this app grants on Resource "*": IAM offers no resource-level permission for them.
WILDCARD_RESOURCE_ACTIONS = {
    **{
        f"xray:{a}": "X-Ray tracing (Lambda active tracing, state machine tracing)"
        for a in ("PutTraceSegments", "PutTelemetryRecords", "GetSamplingRules", "GetSamplingTargets")
    },
    **{
        f"logs:{a}": "CloudWatch Logs vended-log delivery that Step Functions logging sets up"
        for a in (
            "CreateLogDelivery",
            "GetLogDelivery",
            "UpdateLogDelivery",
            "DeleteLogDelivery",
            "ListLogDeliveries",
            "PutResourcePolicy",
            "DescribeResourcePolicies",
            "DescribeLogGroups",
        )
    },
    **{
        f"{service}:{api[0].upper()}{api[1:]}": f"{service} analysis API, no resource types"
        for service, apis in _NO_RESOURCE_APIS.items()
        for api in apis
    },
}


# What a caller needs to answer a callback (.waitForTaskToken) task; IAM authorises them on the state machine.
TASK_RESPONSE_ACTIONS = ("states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat")
CALLBACK_SUFFIX = ".waitForTaskToken"


class UnsupportedIntegration(ValueError):
    """The ASL uses something this module cannot grant precisely; extend it deliberately."""


@dataclass(frozen=True, order=True)
class Need:
    action: str  # IAM action, e.g. "dynamodb:PutItem"
    resource: str  # placeholder name, WILDCARD, DYNAMIC or DEFAULT_EVENT_BUS
    state: str
    suffix: str = ""  # appended to the resource's ARN (a DynamoDB index)
    conditions: tuple[tuple[str, str], ...] = ()  # (condition key, value) pairs, e.g. events:source


def load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def tasks(definition: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every Task state, including those inside Parallel branches and Map item processors."""
    for name, state in definition.get("States", {}).items():
        if state.get("Type") == "Task":
            yield name, state
        for branch in state.get("Branches", []):
            yield from tasks(branch)
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                yield from tasks(state[key])


def _ref(state: str, params: Mapping[str, Any], key: str) -> str | None:
    """The resource a parameter names: a placeholder, DYNAMIC, or None when absent."""
    if f"{key}.$" in params:
        return DYNAMIC
    if key not in params:
        return None
    match = _PLACEHOLDER.match(str(params[key]))
    if match is None:
        raise UnsupportedIntegration(
            f"{state}: {key}={params[key]!r} must be a definition substitution "
            "like ${Name}, so that every deployment names its own resource"
        )
    return match.group(1)


def _required_ref(state: str, params: Mapping[str, Any], key: str) -> str:
    ref = _ref(state, params, key)
    if ref is None:
        raise UnsupportedIntegration(f"{state}: parameter {key} is missing")
    return ref


def _put_events(state: str, params: Mapping[str, Any]) -> list[Need]:
    entries = params.get("Entries")
    if not isinstance(entries, list):  # "Entries.$": buses and sources unknown until run time
        return [Need("events:PutEvents", DYNAMIC, state)]
    result = []
    for entry in entries:
        bus = _ref(state, entry, "EventBusName") or DEFAULT_EVENT_BUS
        pairs = (("events:source", "Source"), ("events:detail-type", "DetailType"))
        conditions = tuple((cond, str(entry[field])) for cond, field in pairs if field in entry)
        result.append(Need("events:PutEvents", bus, state, conditions=conditions))
    return result


def _transact(state: str, params: Mapping[str, Any]) -> list[Need]:
    items = params.get("TransactItems")
    if not isinstance(items, list):
        raise UnsupportedIntegration(f"{state}: TransactItems must be written out in the ASL")
    result = []
    for item in items:
        for kind, body in item.items():
            if kind not in _TRANSACT_ACTIONS:
                raise UnsupportedIntegration(f"{state}: transaction item {kind!r} is not supported")
            result.append(Need(_TRANSACT_ACTIONS[kind], _required_ref(state, body, "TableName"), state))
    return result


def _optimized(state: str, integration: str, params: Mapping[str, Any]) -> list[Need]:
    if integration == "events:putEvents":
        return _put_events(state, params)
    if integration not in _OPTIMIZED:
        raise UnsupportedIntegration(f"{state}: optimized integration {integration!r} is not supported")
    action, key = _OPTIMIZED[integration]
    return [Need(action, _required_ref(state, params, key), state)]


def _s3_versioned(api: str, params: Mapping[str, Any]) -> set[str]:
    """Which of the call's actions act on one named version: the source of a copy, or the object itself."""
    if api == "copyObject":
        source = str(params.get("CopySource.$", params.get("CopySource", "")))
        return {"s3:GetObject", "s3:GetObjectTagging"} if "versionId=" in source else set()
    return set(_S3_ACTIONS[api]) if "VersionId" in params or "VersionId.$" in params else set()


def _aws_sdk(state: str, service: str, api: str, params: Mapping[str, Any]) -> list[Need]:
    if service == "s3":
        if api not in _S3_ACTIONS:
            raise UnsupportedIntegration(f"{state}: aws-sdk:s3:{api} is not supported")
        versioned = _s3_versioned(api, params)
        return [
            Need(_S3_VERSION_ACTIONS[action] if action in versioned else action, DYNAMIC, state)
            for action in _S3_ACTIONS[api]
        ]
    action = f"{service}:{api[0].upper()}{api[1:]}"
    if service in _NO_RESOURCE_APIS:
        if api not in _NO_RESOURCE_APIS[service]:
            raise UnsupportedIntegration(f"{state}: aws-sdk:{service}:{api} is not supported")
        needs = [Need(action, WILDCARD, state)]
        s3_object = params.get("Image", {}).get("S3Object") or params.get("Document", {}).get("S3Object")
        if s3_object:  # the service reads the object (or the named version of it) as the caller
            one_version = "Version" in s3_object or "Version.$" in s3_object
            needs.append(Need("s3:GetObjectVersion" if one_version else "s3:GetObject", DYNAMIC, state))
        return needs
    if service == "eventbridge" and api == "putEvents":
        return _put_events(state, params)
    if service == "dynamodb" and api in ("transactWriteItems", "transactGetItems"):
        return _transact(state, params)
    if service not in _SDK_RESOURCE_KEY:
        raise UnsupportedIntegration(f"{state}: aws-sdk:{service}:{api} is not supported")
    resource = _required_ref(state, params, _SDK_RESOURCE_KEY[service])
    suffix = ""
    if service == "dynamodb" and ("IndexName" in params or "IndexName.$" in params):
        index = _ref(state, params, "IndexName")
        suffix = "/index/*" if index == DYNAMIC else f"/index/{params['IndexName']}"
    return [Need(action, resource, state, suffix=suffix)]


def needs(definition: Mapping[str, Any]) -> list[Need]:
    """Every IAM need of every Task, sorted; UnsupportedIntegration for anything not granted precisely."""
    result: list[Need] = []
    for name, state in tasks(definition):
        resource = str(state.get("Resource", ""))
        if not resource.startswith(RESOURCE_PREFIX):
            raise UnsupportedIntegration(
                f"{name}: Resource {resource!r} must start with {RESOURCE_PREFIX} (partition-safe service integration)"
            )
        integration = resource[len(RESOURCE_PREFIX) :]
        if integration.endswith(CALLBACK_SUFFIX):
            if integration != "lambda:invoke" + CALLBACK_SUFFIX:
                raise UnsupportedIntegration(f"{name}: only lambda:invoke{CALLBACK_SUFFIX} callbacks are supported")
            if "$$.Task.Token" not in json.dumps(state.get("Parameters") or {}):
                raise UnsupportedIntegration(f"{name}: a {CALLBACK_SUFFIX} task must pass $$.Task.Token")
            integration = integration.removesuffix(CALLBACK_SUFFIX)
        elif ".sync" in integration:
            raise UnsupportedIntegration(f"{name}: .sync integrations are not supported")
        params = state.get("Parameters") or state.get("Arguments") or {}
        if integration.startswith("aws-sdk:"):
            _, service, api = integration.split(":")
            result.extend(_aws_sdk(name, service, api, params))
        else:
            result.extend(_optimized(name, integration, params))
    return sorted(set(result))


def callback_states(definition: Mapping[str, Any]) -> list[str]:
    """The Task states that wait for a task token (their answerer needs TASK_RESPONSE_ACTIONS)."""
    return sorted(name for name, state in tasks(definition) if str(state.get("Resource", "")).endswith(CALLBACK_SUFFIX))


def actions(definition: Mapping[str, Any]) -> set[str]:
    return {need.action for need in needs(definition)}
