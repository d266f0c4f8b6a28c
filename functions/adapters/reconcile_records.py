"""Adapters beneath the reconcile ports: S3 + DynamoDB (records) and Step Functions (workflows)."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from typing import Any

from functions import names
from functions.domain.executions import execution_name
from functions.domain.reconcile import (
    Comment,
    Decision,
    Meter,
    Photo,
    Records,
    Totals,
    Upload,
    Workflows,
    parse_json_object,
)


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as {name: str | float}: only the S and N attributes the records use."""
    out: dict[str, Any] = {}
    for key, value in item.items():
        if "S" in value:
            out[key] = value["S"]
        elif "N" in value:
            out[key] = float(value["N"])
    return out


def _scan(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    return [
        _plain(item)
        for page in dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True)
        for item in page["Items"]
    ]


def _time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class AwsRecords(Records):
    def __init__(self, s3: Any, dynamodb: Any, bucket: str, tables: dict[str, str]) -> None:
        self.s3, self.dynamodb, self.bucket, self.tables = s3, dynamodb, bucket, tables

    def _latest(self, prefix: str) -> list[dict[str, Any]]:
        """The current version of every object under the prefix (the bucket is versioned)."""
        pages = self.s3.get_paginator("list_object_versions").paginate(Bucket=self.bucket, Prefix=prefix)
        return [v for page in pages for v in page.get("Versions", []) if v.get("IsLatest")]

    def uploads(self) -> list[Upload]:
        found: dict[str, Upload] = {}
        quarantined = names.QUARANTINE_PREFIX + names.UPLOAD_PREFIX
        for prefix, visible in ((quarantined, False), (names.UPLOAD_PREFIX, True)):
            for obj in self._latest(prefix):
                key = obj["Key"].removeprefix(names.QUARANTINE_PREFIX)
                version = str(obj.get("VersionId") or "")
                found[key] = Upload(
                    key=key,
                    etag=str(obj.get("ETag", "")).strip('"'),
                    size=int(obj.get("Size", 0)),
                    uploaded_at=obj["LastModified"].astimezone(UTC),
                    version=version if version and version != "null" else None,
                    visible=visible,
                )
        return list(found.values())

    def decisions(self) -> dict[str, Decision]:
        decisions = {}
        for row in _scan(self.dynamodb, self.tables["decisions"]):
            deadline = _time(str(row.get("deadline", ""))) if row.get("deadline") else None
            decisions[row["objectKey"]] = Decision(
                key=row["objectKey"],
                verdict=str(row.get("verdict", "")),
                execution=str(row.get("execution", "")),
                error=str(row.get("error", "")),
                deadline=deadline,
            )
        return decisions

    def photos(self) -> list[Photo]:
        photos = []
        for row in _scan(self.dynamodb, self.tables["photos"]):
            try:
                labels = json.loads(str(row.get("labels", "[]")))
            except ValueError:
                labels = []
            photos.append(
                Photo(
                    photo_id=row["photoId"],
                    key=str(row.get("objectKey", "")),
                    status=str(row.get("status", "")),
                    designer=str(row.get("designer", "")),
                    labels=labels if isinstance(labels, list) else [],
                    uploaded_at=str(row.get("uploadedAt", "")),
                    published_at=str(row.get("publishedAt", "")),
                )
            )
        return photos

    def comments(self) -> list[Comment]:
        return [
            Comment(
                comment_id=row["commentId"],
                design_id=str(row.get("designId", "")),
                status=str(row.get("status", "")),
                designer=str(row.get("designer", "")),
                text=str(row.get("text", "")),
                author=parse_json_object(str(row.get("author", "{}"))),
                submitted_at=str(row.get("submittedAt", "")),
                execution=str(row.get("execution", "")),
                language=str(row.get("language", "")),
                sentiment=str(row.get("sentiment", "")),
                scores={k: float(v) for k, v in parse_json_object(str(row.get("scores", "{}"))).items()},
                analyzed_at=str(row.get("analyzedAt", "")),
                error=str(row.get("error", "")),
                public_text=str(row["publicText"]) if "publicText" in row else None,
                visibility=str(row.get("visibility", "")),
            )
            for row in _scan(self.dynamodb, self.tables["comments"])
        ]

    def meters(self) -> dict[str, Meter]:
        meters = {}
        for row in _scan(self.dynamodb, self.tables["meters"]):
            counts = {k: int(v) for k, v in row.items() if isinstance(v, float) and k != "positivitySum"}
            meters[row["designId"]] = Meter(
                design_id=row["designId"],
                counts=counts,
                positivity_sum=float(row.get("positivitySum", 0.0)),
                updated_at=str(row.get("updatedAt", "")),
            )
        return meters

    def mark_comment_failed(self, comment: Comment, error: str, cause: str) -> bool:
        try:
            self.dynamodb.update_item(
                TableName=self.tables["comments"],
                Key={"commentId": {"S": comment.comment_id}},
                UpdateExpression="SET #status = :failed, #error = :error, #cause = :cause, failedAt = :now",
                ConditionExpression="#status = :received",
                ExpressionAttributeNames={"#status": "status", "#error": "error", "#cause": "cause"},
                ExpressionAttributeValues={
                    ":failed": {"S": "failed"},
                    ":received": {"S": "received"},
                    ":error": {"S": error},
                    ":cause": {"S": cause},
                    ":now": {"S": datetime.now(UTC).isoformat()},
                },
            )
        except self.dynamodb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def set_meter(self, design_id: str, totals: Totals, expected: Meter | None) -> bool:
        values: dict[str, Any] = {f":{k}": {"N": str(v)} for k, v in totals.counts.items()}
        values[":positivitySum"] = {"N": repr(float(totals.positivity_sum))}
        values[":now"] = {"S": datetime.now(UTC).isoformat()}
        sets = [f"#{k} = :{k}" for k in [*totals.counts, "positivitySum"]] + ["updatedAt = :now"]
        attribute_names = {f"#{k}": k for k in [*totals.counts, "positivitySum"]}
        stale = [k for k in (expected.counts if expected else {}) if k not in totals.counts]
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(f"#{k}" for k in stale) if stale else "")
        attribute_names.update({f"#{k}": k for k in stale})
        args: dict[str, Any] = {}
        if expected is None:
            args["ConditionExpression"] = "attribute_not_exists(designId)"
        elif expected.updated_at:
            args["ConditionExpression"] = "updatedAt = :seen"
            values[":seen"] = {"S": expected.updated_at}
        try:
            self.dynamodb.update_item(
                TableName=self.tables["meters"],
                Key={"designId": {"S": design_id}},
                UpdateExpression=expression,
                ExpressionAttributeNames=attribute_names,
                ExpressionAttributeValues=values,
                **args,
            )
        except self.dynamodb.exceptions.ConditionalCheckFailedException:
            return False  # a workflow updated it meanwhile: the next run judges it again
        return True


class StepFunctionsWorkflows(Workflows):
    def __init__(self, sfn: Any, bucket: str, image_machine_arn: str, comment_machine_arn: str) -> None:
        self.sfn, self.bucket = sfn, bucket
        self.image_machine_arn, self.comment_machine_arn = image_machine_arn, comment_machine_arn

    def _arn(self, machine_arn: str, name: str) -> str:
        return machine_arn.replace(":stateMachine:", ":execution:") + f":{name}"

    def object_created(self, upload: Upload) -> dict[str, Any]:
        """The EventBridge event S3 sent for this object (the fields the workflow reads)."""
        return {
            "version": "0",
            "id": f"reconcile-{upload.etag[:8]}-{upload.key.rsplit('/', 1)[-1]}",
            "source": "aws.s3",
            "detail-type": "Object Created",
            "time": upload.uploaded_at.isoformat().replace("+00:00", "Z"),
            "detail": {
                "bucket": {"name": self.bucket},
                "object": {
                    "key": upload.key,
                    "size": upload.size,
                    "eTag": upload.etag,
                    **({"version-id": upload.version} if upload.version else {}),
                },
                "reason": "PutObject",
            },
        }

    def execution_status(self, execution_arn: str) -> str | None:
        try:
            return str(self.sfn.describe_execution(executionArn=execution_arn)["status"])
        except self.sfn.exceptions.ExecutionDoesNotExist:
            return None

    def upload_status(self, upload: Upload) -> str | None:
        return self.execution_status(self._arn(self.image_machine_arn, execution_name(self.object_created(upload))))

    def _start(self, machine_arn: str, name: str, document: dict[str, Any]) -> str:
        with contextlib.suppress(self.sfn.exceptions.ExecutionAlreadyExists):  # this run already started it
            self.sfn.start_execution(stateMachineArn=machine_arn, name=name, input=json.dumps(document))
        return name

    def rerun_upload(self, upload: Upload, suffix: str) -> str:
        event = self.object_created(upload)
        return self._start(self.image_machine_arn, f"{execution_name(event)[:60]}-{suffix}", event)

    def rerun_comment(self, comment: Comment, suffix: str) -> str:
        event = {
            "version": "0",
            "id": f"reconcile-{comment.comment_id}",
            "source": names.EVENT_SOURCE,
            "detail-type": names.EVENT_COMMENT_SUBMITTED,
            "time": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "detail": comment.detail(),
        }
        name = f"{execution_name(event)[:60]}-{suffix}"
        return self._start(self.comment_machine_arn, name, event)
