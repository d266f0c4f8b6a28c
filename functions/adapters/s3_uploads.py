"""S3 beneath two ports: UploadSigner (presigned POSTs signed with the function's role, SigV4, see
adapters.client) and UploadStore (object versions of one key, a version's bytes, renditions beside the uploads)."""

from __future__ import annotations

from typing import Any

from functions.domain.upload_check import StoredObject, UploadStore
from functions.ports import UploadSigner


class S3UploadSigner(UploadSigner):
    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3, self.bucket = s3, bucket

    def presigned_post(
        self, key: str, fields: dict[str, str], conditions: list[Any], expires_in: int
    ) -> dict[str, Any]:
        post: dict[str, Any] = self.s3.generate_presigned_post(
            Bucket=self.bucket, Key=key, Fields=fields, Conditions=conditions, ExpiresIn=expires_in
        )
        return post


class S3Uploads(UploadStore):
    def __init__(self, client: Any, bucket: str) -> None:
        self.client, self.bucket = client, bucket

    def versions(self, key: str) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        for page in self.client.get_paginator("list_object_versions").paginate(Bucket=self.bucket, Prefix=key):
            found += [(v["VersionId"], v.get("ETag", "")) for v in page.get("Versions", []) if v["Key"] == key]
        return found[::-1]  # S3 lists a key's versions newest first

    def read(self, key: str, version: str, limit: int) -> StoredObject:
        obj = self.client.get_object(Bucket=self.bucket, Key=key, VersionId=version)
        data = obj["Body"].read(limit)
        size = int(obj.get("ContentLength", len(data)))
        return StoredObject(data, obj.get("ContentType", ""), dict(obj.get("Metadata", {})), size)

    def put_rendition(self, key: str, data: bytes, content_type: str) -> str:
        response = self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)
        return str(response.get("VersionId") or "")
