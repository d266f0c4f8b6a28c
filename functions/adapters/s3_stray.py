"""S3 and SNS beneath the stray-object ports (functions/domain/stray_objects.py)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from functions.domain.messages import Email
from functions.domain.stray_objects import OwnerAlerts, StrayHead, StrayStore

GONE = {"404", "NoSuchKey", "NoSuchVersion", "NotFound"}


class S3StrayStore(StrayStore):
    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3, self.bucket = s3, bucket

    def _version(self, version_id: str) -> dict[str, str]:
        return {"VersionId": version_id} if version_id and version_id != "null" else {}

    def head(self, key: str, version_id: str) -> StrayHead | None:
        try:
            found = self.s3.head_object(Bucket=self.bucket, Key=key, **self._version(version_id))
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in GONE:
                return None
            raise
        return StrayHead(
            int(found.get("ContentLength", 0)),
            str(found.get("ContentType", "")),
            dict(found.get("Metadata", {})),
            str(found.get("VersionId") or ""),
        )

    def move(self, key: str, version_id: str, to_key: str) -> None:
        source = {"Bucket": self.bucket, "Key": key, **self._version(version_id)}
        self.s3.copy_object(Bucket=self.bucket, Key=to_key, CopySource=source, MetadataDirective="COPY")
        self.s3.delete_object(Bucket=self.bucket, Key=key)  # a delete marker: the written version stays behind it


class SnsOwnerAlerts(OwnerAlerts):
    def __init__(self, sns: Any, topic_arn: str) -> None:
        self.sns, self.topic_arn = sns, topic_arn

    def send(self, email: Email, kind: str) -> None:
        message = email.sns()
        self.sns.publish(
            TopicArn=self.topic_arn,
            Subject=message["subject"],
            Message=message["message"],
            MessageStructure="json",
            MessageAttributes={"kind": {"DataType": "String", "StringValue": kind}},
        )
