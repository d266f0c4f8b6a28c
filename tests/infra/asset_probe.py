"""Runs inside a clean virtualenv (python -I): imports every handler from the built Lambda assets and invokes
each on an event it can answer without AWS. Standard library only; prints one JSON report.

Usage: python -I asset_probe.py CODE_DIR LAYER_DIR WORK_DIR ENVIRONMENTS_JSON
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback
from typing import Any

code_dir, layer_dir, work_dir, environments_json = sys.argv[1:5]
environments: dict[str, dict[str, str]] = json.loads(environments_json)  # per function, from the template
sys.path[:0] = [code_dir, os.path.join(layer_dir, "python")]  # Lambda: /var/task, then /opt/python
# As on AWS (the runtime's region), but with nothing listening: the indexer must get as far as connecting.
os.environ.update(
    AWS_DEFAULT_REGION="us-east-1",
    AWS_REGION="us-east-1",
    POWERTOOLS_TRACE_DISABLED="true",
    AWS_ACCESS_KEY_ID="AKIDPROBE",
    AWS_SECRET_ACCESS_KEY="probe",
)


class Context:
    function_name = "probe"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:probe"
    aws_request_id = "00000000-0000-0000-0000-000000000000"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


def http_event(method: str, path: str, groups: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body),
        "isBase64Encoded": False,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api",
            "domainName": "api.example",
            "requestId": "r1",
            "routeKey": f"{method} {path}",
            "stage": "$default",
            "time": "01/Jan/2026:00:00:00 +0000",
            "timeEpoch": 0,
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "probe",
            },
            "authorizer": {
                "jwt": {"claims": {"sub": "u1", "cognito:username": "alice", "cognito:groups": groups}, "scopes": None}
            },
        },
    }


EVENTS: dict[str, dict[str, Any]] = {
    "salon-evaluate-policy": {"moderation": [], "labels": [{"Name": "Nail Polish", "Confidence": 97.5}]},
    "salon-inspect-upload": {"bucket": "bucket", "key": "not-an-upload-key", "eventTime": "2026-01-01T00:00:00Z"},
    "salon-index-document": {"index": "photos", "id": "p1", "document": {"photoId": "p1"}},
    "salon-render-alert": {
        "kind": "quarantine",
        "execution": "arn:aws:states:::execution:m:e",
        "photo": {
            "objectKey": "uploads/alice/p.jpg",
            "designer": "alice",
            "uploader": {"username": "alice", "email": "a@example.com"},
        },
        "decision": {"verdict": "quarantined", "reasons": ["r"], "moderation": []},
    },
    "salon-assess-comment": {
        "commentId": "c1",
        "sentiment": "POSITIVE",
        "scores": {"Positive": 0.9},
        "submittedAt": "2026-01-01T00:00:00Z",
    },
    "salon-screen-comment": {"step": "prepare", "text": "Lovely. Thank you!", "language": "en"},
    "salon-start-workflow": {
        "Records": [
            {
                "messageId": "m1",
                "receiptHandle": "h",
                "body": json.dumps({"detail-type": "x"}),
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:1:q",
                "awsRegion": "us-east-1",
            }
        ]
    },
    "salon-http-api": http_event("POST", "/uploads", "[customer]", {"contentType": "image/jpeg"}),
}

report: dict[str, Any] = {"modules": {}, "results": {}, "errors": {}}
wiring = importlib.import_module("functions.wiring")
for fn in wiring.FUNCTIONS:
    function_name, (module_name, attribute) = fn.name, fn.handler.rsplit(".", 1)
    os.environ.update(environments[function_name])
    try:
        module = importlib.import_module(module_name)
        handler = getattr(module, attribute)
        report["modules"][function_name] = module.__file__
        if function_name in EVENTS:
            report["results"][function_name] = handler(EVENTS[function_name], Context())
    except Exception as exc:  # reported, and asserted on by the test
        report["errors"][function_name] = f"{type(exc).__name__}: {exc}\n{traceback.format_exc()[-1500:]}"

for package in ("PIL", "boto3", "botocore", "aws_lambda_powertools", "opensearchpy", "fastjsonschema"):
    module = importlib.import_module(package)
    report["modules"][package] = module.__file__
report["versions"] = {
    "PIL": importlib.import_module("PIL").__version__,
    "boto3": importlib.import_module("boto3").__version__,
}
print(json.dumps(report, default=str))
