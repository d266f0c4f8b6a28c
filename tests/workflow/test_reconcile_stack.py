"""Reconcile on the embedded stack: the reconcile function (as `salon reconcile` calls it) finds what was
broken behind the workflows' back, repairs it, and the repairs take (re-runs end analysed, meters equal)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import requests

from functions import config, names
from functions.adapters import search_index
from salon import cli_ops
from tests.conftest import jpeg, wait_until
from tests.workflow.comments import approved_design, meter

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def design(client, stack, tmp_path_factory) -> str:
    return approved_design(client, stack, tmp_path_factory.mktemp("design"), "reconcile-owner", (150, 20, 70))


def findings(report: dict[str, Any], subject: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if subject in f["subject"]]


def comment_status(comment_id: str) -> str:
    item = boto3.client("dynamodb").get_item(TableName=names.COMMENTS_TABLE, Key={"commentId": {"S": comment_id}})
    return str(item.get("Item", {}).get("status", {}).get("S", ""))


def test_stuck_comment_is_rerun_to_analysed(client, stack, design):
    comment_id = str(uuid.uuid4())
    submitted = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    ended = stack.endpoints.comment_state_machine_arn.replace(":stateMachine:", ":execution:") + ":gone-long-ago"
    boto3.client("dynamodb").put_item(
        TableName=names.COMMENTS_TABLE,
        Item={
            "commentId": {"S": comment_id},
            "designId": {"S": design},
            "designer": {"S": "reconcile-owner"},
            "text": {"S": "The glitter finish is beautiful, thank you!"},
            "author": {"S": json.dumps({"sub": "sub-stuck", "username": "stuck-sam", "email": "sam@salon.example"})},
            "submittedAt": {"S": submitted},
            "status": {"S": "received"},
            "execution": {"S": ended},
        },
    )
    report = cli_ops.reconcile(client, grace_seconds=0)
    [stuck] = findings(report, comment_id)
    assert stuck["check"] == "comment-stuck" and "re-run as comment-" in stuck["repair"]
    assert not report["clean"]
    wait_until(lambda: comment_status(comment_id) == "analyzed", timeout=90)
    again = cli_ops.reconcile(client, grace_seconds=0)
    assert findings(again, comment_id) == [] and findings(again, design) == []
    assert meter(design)["comments"] >= 1


def test_meter_counted_twice_is_rewritten(client, design):
    client.comment(design, "meter-mia", "Gorgeous colour, I want it!", wait=True)
    honest = meter(design)
    boto3.client("dynamodb").update_item(
        TableName=names.METERS_TABLE,
        Key={"designId": {"S": design}},
        UpdateExpression="ADD comments :two, POSITIVE :two",
        ExpressionAttributeValues={":two": {"N": "2"}},
    )
    report = cli_ops.reconcile(client, grace_seconds=0)
    [mismatch] = [f for f in findings(report, design) if f["check"] == "meter-mismatch"]
    assert mismatch["repair"] and "comments" in mismatch["detail"]
    repaired = meter(design)
    assert repaired["comments"] == honest["comments"] and repaired["POSITIVE"] == honest["POSITIVE"]


def test_index_extra_and_missing_documents_are_repaired(client, stack, design):
    cfg = config.settings(config.ReconcileSettings)
    index = search_index(cfg.search_backend, cfg.search_endpoint, cfg.aws_region)
    ghost = str(uuid.uuid4())
    photo_doc = index.get(names.PHOTOS_INDEX, design)
    assert photo_doc is not None
    index.delete(names.PHOTOS_INDEX, design)
    index.index(names.PHOTOS_INDEX, ghost, {**photo_doc, "photoId": ghost})
    check = cli_ops.reconcile(client, repair=False, grace_seconds=0)
    assert {f["check"] for f in findings(check, design)} == {"index-missing"}
    assert {f["check"] for f in findings(check, ghost)} == {"index-extra"}
    assert index.get(names.PHOTOS_INDEX, design) is None  # check only: nothing changed

    cli_ops.reconcile(client, grace_seconds=0)
    assert index.get(names.PHOTOS_INDEX, ghost) is None
    assert index.get(names.PHOTOS_INDEX, design)["designer"] == "reconcile-owner"


def test_an_undecided_upload_rerun_reaches_a_decision(client, stack):
    from functions.adapters.reconcile_records import AwsRecords, StepFunctionsWorkflows

    s3 = boto3.client("s3")
    key = f"{names.UPLOAD_PREFIX}ghost-gia/{uuid.uuid4()}.jpg"
    workflows = StepFunctionsWorkflows(
        boto3.client("stepfunctions"),
        names.UPLOADS_BUCKET,
        stack.endpoints.image_state_machine_arn,
        stack.endpoints.comment_state_machine_arn,
    )
    stack.ai.script("DetectLabels", [{"result": {"Labels": []}}], match="/ghost-gia/")
    s3.put_object(Bucket=names.UPLOADS_BUCKET, Key=key, Body=jpeg(200, 200))  # no uploader metadata
    records = AwsRecords(
        s3,
        boto3.client("dynamodb"),
        names.UPLOADS_BUCKET,
        {"decisions": names.DECISIONS_TABLE, "photos": names.PHOTOS_TABLE, "comments": "", "meters": ""},
    )
    upload = next(u for u in records.uploads() if u.key == key)
    wait_until(lambda: key in records.decisions(), timeout=60)  # the event's own execution decides it
    name = workflows.rerun_upload(upload, "rctest")
    arn = stack.endpoints.image_state_machine_arn.replace(":stateMachine:", ":execution:") + f":{name}"
    done = client.wait_for_execution(arn)
    assert done["status"] in ("SUCCEEDED", "FAILED")
    assert records.decisions()[key].execution == arn
    assert workflows.upload_status(upload) is not None  # the name the event's execution got is found


def test_bad_input_is_refused(client):
    response = client.aws("lambda").invoke(FunctionName=names.FN_RECONCILE, Payload=b'{"repair": "yes"}')
    assert response.get("FunctionError") == "Unhandled"
    assert "InvalidEventError" in response["Payload"].read().decode()


def test_cli_reconcile_and_faults(stack, capsys):
    from salon.cli import main

    home = ["--home", str(stack.config.home)]
    code = main([*home, "reconcile", "--json", "--check-only"])
    report = json.loads(capsys.readouterr().out)
    assert code == (0 if report["clean"] else 1) and {"uploads", "comments", "meters"} <= report["checked"].keys()

    spec = json.dumps({"kind": "dynamodb", "rate": 0.5, "operations": ["BatchGetItem"]})
    assert main([*home, "faults", "add", spec]) == 0
    capsys.readouterr()
    assert main([*home, "faults", "--json"]) == 0
    [fault] = json.loads(capsys.readouterr().out)
    assert (fault["kind"], fault["rate"], fault["operations"]) == ("dynamodb", 0.5, ["BatchGetItem"])
    assert main([*home, "faults", "add", '{"kind": "meteor"}']) == 2  # refused with a clear message
    assert "kind must be one of" in capsys.readouterr().out
    assert main([*home, "faults", "clear"]) == 0
    assert "no faults injected" in capsys.readouterr().out


def test_a_photo_published_before_a_later_state_failed_is_rerun_to_approved(client, stack, tmp_path):
    """IndexPhoto fails for good after PersistPhoto published: reconcile judges the same version again, and the
    re-run runs on through the idempotent publish states to an approval, indexed."""
    faults_url = f"{stack.endpoints.lambda_}/_salon/faults"
    fault = {"kind": "function", "function": names.FN_INDEX_DOCUMENT, "error": "IndexingError", "count": 1}
    manicure = {"result": {"Labels": [{"Name": "Manicure", "Confidence": 96.0, "Parents": []}]}}
    stack.ai.script("DetectLabels", [manicure, manicure], match="/half-done-hana/")  # the run and its re-run
    path = tmp_path / "photo.jpg"
    path.write_bytes(jpeg(300, 300, (30, 140, 90)))
    requests.post(faults_url, data=json.dumps(fault), timeout=5).raise_for_status()
    try:
        result = client.upload(path, "half-done-hana", wait=True)
    finally:
        requests.delete(faults_url, timeout=5).raise_for_status()
    photo_id, key = str(result["photoId"]), str(result["key"])
    assert result["verdict"] == "failed"
    photo = boto3.client("dynamodb").get_item(TableName=names.PHOTOS_TABLE, Key={"photoId": {"S": photo_id}})
    assert photo["Item"]["status"]["S"] == "published"  # the half-done state reconcile is there for

    report = cli_ops.reconcile(client, grace_seconds=0)
    [half_done] = [f for f in findings(report, key) if f["check"] == "photo-without-approval"]
    assert half_done["repair"].startswith("re-run as ")
    cfg = config.settings(config.ReconcileSettings)
    index = search_index(cfg.search_backend, cfg.search_endpoint, cfg.aws_region)
    wait_until(lambda: index.get(names.PHOTOS_INDEX, photo_id) is not None, timeout=90)
    wait_until(lambda: not findings(cli_ops.reconcile(client, repair=False, grace_seconds=0), key), timeout=60)
    photo = boto3.client("dynamodb").get_item(TableName=names.PHOTOS_TABLE, Key={"photoId": {"S": photo_id}})
    assert photo["Item"]["status"]["S"] == "published"  # approved by the re-run, not taken down
