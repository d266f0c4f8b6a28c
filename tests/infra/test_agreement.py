"""The synthesized AWS stack and the provisioned embedded stack agree: both are built from functions/wiring.py,
and this reads what each one actually built (the CloudFormation template; the local stack's APIs and state).

Same routes and who may call them, same rules and patterns feeding the same function, the same placeholders
naming the same resources, the same environment variables per function.
"""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import pytest
import requests

from functions import names, wiring
from tests.infra.conftest import resource_at

pytestmark = pytest.mark.infra
RUNTIME_VARIABLES = ("POWERTOOLS_",)  # Lambda runtime configuration, not settings: each target sets its own


# -- what AWS would get ------------------------------------------------------------------------------


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in template["Resources"].items() if r["Type"] == kind}


def _target_id(value: Any) -> str | None:
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    return None


def aws_identity(template: dict[str, Any], value: Any) -> tuple[str, ...]:
    """What a CloudFormation value names, in terms both targets can state."""
    if value == {"Ref": "AWS::Partition"}:
        return ("partition",)
    if isinstance(value, str):
        return ("literal", value)
    lid = _target_id(value)
    assert lid is not None, value
    resource = template["Resources"][lid]
    if resource["Type"] == "AWS::DynamoDB::Table":
        [key] = [k["AttributeName"] for k in resource["Properties"]["KeySchema"] if k["KeyType"] == "HASH"]
        return ("table", key)
    if resource["Type"] == "AWS::Lambda::Function":
        return ("function", resource["Properties"]["Handler"])
    if resource["Type"] == "AWS::SNS::Topic":
        return ("topic", resource["Metadata"]["aws:cdk:path"].split("/")[-2])
    if resource["Type"] == "AWS::SQS::Queue":
        return ("queue", lid)
    raise AssertionError(f"unexpected {resource['Type']} in {value}")


def aws_routes(template: dict[str, Any]) -> dict[str, str]:
    return {
        r["Properties"]["RouteKey"]: r["Properties"].get("AuthorizationType", "NONE")
        for r in _resources(template, "AWS::ApiGatewayV2::Route").values()
    }


def aws_rules(template: dict[str, Any]) -> dict[str, str]:
    """Canonical pattern -> handler of the function consuming the queue the rule targets."""
    bucket = resource_at(template, "Storage/Uploads/Resource")[0]
    consumers = {
        _target_id(m["Properties"]["EventSourceArn"]): aws_identity(template, m["Properties"]["FunctionName"])[1]
        for m in _resources(template, "AWS::Lambda::EventSourceMapping").values()
    }
    result = {}
    for rule in _resources(template, "AWS::Events::Rule").values():
        pattern = _replace(rule["Properties"]["EventPattern"], {"Ref": bucket}, names.UPLOADS_BUCKET)
        [target] = rule["Properties"]["Targets"]
        result[json.dumps(pattern, sort_keys=True)] = consumers[_target_id(target["Arn"])]
    return result


def _replace(value: Any, old: Any, new: Any) -> Any:
    if value == old:
        return new
    if isinstance(value, dict):
        return {k: _replace(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, old, new) for v in value]
    return value


def aws_placeholders(template: dict[str, Any]) -> dict[str, dict[str, tuple[str, ...]]]:
    result = {}
    for workflow in wiring.WORKFLOWS:
        _, machine = resource_at(template, f"{workflow.construct_id}/StateMachine/Resource")
        substitutions = machine["Properties"]["DefinitionSubstitutions"]
        result[workflow.key] = {p: aws_identity(template, v) for p, v in substitutions.items()}
    return result


def aws_environments(template: dict[str, Any]) -> dict[str, set[str]]:
    return {
        fn["Properties"]["Handler"]: {
            v for v in fn["Properties"]["Environment"]["Variables"] if not v.startswith(RUNTIME_VARIABLES)
        }
        for fn in _resources(template, "AWS::Lambda::Function").values()
        if fn["Properties"]["Handler"].startswith("functions.")
    }


# -- what the embedded stack provisioned ------------------------------------------------------------


def local_identity(stack: Any, placeholder: str, value: str) -> tuple[str, ...]:
    if placeholder == "Partition":
        return ("partition",) if value == "aws" else ("literal", value)
    if ":function:" in value:
        return ("function", stack.registry.handler_path(value.split(":function:", 1)[1]))
    if value.startswith("arn:aws:sns:"):
        return ("topic", "OwnerAlerts" if value.endswith(":" + names.ALERTS_TOPIC) else value)
    ddb = boto3.client("dynamodb")
    if value in ddb.list_tables()["TableNames"]:
        schema = ddb.describe_table(TableName=value)["Table"]["KeySchema"]
        [key] = [k["AttributeName"] for k in schema if k["KeyType"] == "HASH"]
        return ("table", key)
    return ("literal", value)


def local_routes(stack: Any) -> dict[str, str]:
    """Route -> JWT when the local API refuses it without a token (401), NONE when it answers."""
    from salon.local.stack import ROUTES

    result = {}
    for route in ROUTES:
        path = re.sub(r"\{\w+\}", "d1", route.path)
        status = requests.request(route.method, stack.endpoints.api + path, timeout=30).status_code
        result[f"{route.method} {route.path}"] = "JWT" if status == 401 else "NONE"
    return result


def local_rules(stack: Any) -> dict[str, str]:
    events, sqs = boto3.client("events"), boto3.client("sqs")
    consumer_of = {
        sqs.get_queue_attributes(QueueUrl=m.queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]: (
            stack.registry.handler_path(m.function_name)
        )
        for m in stack.mappings.values()
    }
    result = {}
    for rule in events.list_rules(EventBusName=names.EVENT_BUS)["Rules"]:
        [target] = events.list_targets_by_rule(Rule=rule["Name"], EventBusName=names.EVENT_BUS)["Targets"]
        result[json.dumps(json.loads(rule["EventPattern"]), sort_keys=True)] = consumer_of.get(target["Arn"], "?")
    return result


def local_placeholders(stack: Any) -> dict[str, dict[str, tuple[str, ...]]]:
    return {
        workflow.key: {
            p: local_identity(stack, p, v) for p, v in stack.resources.substitutions[workflow.state_machine].items()
        }
        for workflow in wiring.WORKFLOWS
    }


def local_environments(stack: Any) -> dict[str, set[str]]:
    return {stack.registry.handler_path(name): set(env) for name, env in stack.function_environments.items()}


# -- the agreement ----------------------------------------------------------------------------------


def test_same_routes_and_auth(template: dict[str, Any], stack: Any) -> None:
    aws = aws_routes(template)
    assert aws == local_routes(stack)
    assert aws == {r.key: "NONE" if r.public else "JWT" for r in wiring.ROUTES}


def test_same_rules_patterns_and_consumers(template: dict[str, Any], stack: Any) -> None:
    aws = aws_rules(template)
    assert aws == local_rules(stack)
    assert len(aws) == len(wiring.TRIGGERS) + len(wiring.DELIVERIES)
    assert "functions.handlers.publish_live.handler" in aws.values()


def test_same_placeholders_naming_the_same_resources(template: dict[str, Any], stack: Any) -> None:
    aws = aws_placeholders(template)
    assert aws == local_placeholders(stack)
    for workflow in wiring.WORKFLOWS:
        assert set(aws[workflow.key]) == set(workflow.placeholders)


def test_same_environment_per_function(template: dict[str, Any], stack: Any) -> None:
    aws = aws_environments(template)
    assert aws == local_environments(stack)
    assert set(aws) == {fn.handler for fn in wiring.FUNCTIONS}
