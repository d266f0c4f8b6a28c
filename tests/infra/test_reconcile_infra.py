"""The reconcile function on AWS: an hourly EventBridge Scheduler schedule, explicit grants, an alarm."""

from __future__ import annotations

import json
from typing import Any

from functions import names
from functions.handlers.reconcile import FINDINGS_METRIC
from tests.infra.conftest import logical_id
from tests.infra.test_iam import _flat, _listify, _role_statements


def test_schedule_invokes_the_reconcile_function_with_a_dead_letter_queue(template: dict[str, Any]) -> None:
    [schedule] = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::Scheduler::Schedule"]
    function = logical_id(template, "Functions/Reconcile/Function/Resource")
    assert schedule["ScheduleExpression"] == "rate(1 hour)" and schedule["State"] == "ENABLED"
    target = schedule["Target"]
    assert target["Arn"] == {"Fn::GetAtt": [function, "Arn"]}
    assert json.loads(target["Input"]) == {"repair": True}
    assert target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0] == logical_id(
        template, "Reconciliation/ScheduleDeadLetters/Resource"
    )
    invoker = _role_statements(template, "Reconciliation/SchedulerRole/Resource")
    assert {a for s in invoker for a in _listify(s["Action"])} == {"lambda:InvokeFunction", "sqs:SendMessage"}


def test_reconcile_role_has_exactly_what_reconcile_calls(template: dict[str, Any]) -> None:
    statements = _role_statements(template, "Functions/Reconcile/Role/Resource")
    by_action: dict[str, list[str]] = {}
    for statement in statements:
        for action in _listify(statement["Action"]):
            by_action.setdefault(action, []).extend(_flat(r) for r in _listify(statement["Resource"]))
    assert set(by_action) == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "s3:ListBucketVersions",
        "dynamodb:Scan",
        "dynamodb:UpdateItem",
        "states:StartExecution",
        "states:DescribeExecution",
        "es:ESHttpGet",
        "es:ESHttpPost",
        "es:ESHttpPut",
        "es:ESHttpDelete",
    }
    assert len(by_action["dynamodb:Scan"]) == 4 and len(by_action["dynamodb:UpdateItem"]) == 2
    assert all(":execution:" in r and r.endswith(".Name>:*") for r in by_action["states:DescribeExecution"])
    listing = next(s for s in statements if s["Action"] == "s3:ListBucketVersions")
    assert listing["Condition"]["StringLike"]["s3:prefix"] == [names.UPLOAD_PREFIX, "quarantine/uploads/"]


def test_alarm_on_any_finding(template: dict[str, Any]) -> None:
    [alarm] = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm" and r["Properties"]["MetricName"] == FINDINGS_METRIC
    ]
    assert alarm["Threshold"] == 1 and alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["Dimensions"] == [{"Name": "service", "Value": names.FN_RECONCILE}]
