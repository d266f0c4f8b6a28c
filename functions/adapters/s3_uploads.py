"""UploadSigner on S3: presigned POSTs signed with the function's role (SigV4, see adapters.client)."""

from __future__ import annotations

from typing import Any

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
