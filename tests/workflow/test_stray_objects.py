"""A write outside the stack's prefixes, on the embedded stack: the rule in functions/wiring.py delivers it to
salon-report-stray-object, the owner gets a mail naming it, and the object is moved under quarantine/stray/."""

from __future__ import annotations

import json

import boto3

from functions import names
from tests.conftest import wait_until


def test_evil_html_at_the_bucket_root_reaches_the_owner_and_leaves_the_root(client, stack):
    s3 = boto3.client("s3")
    identity = json.dumps({"username": "trudy", "sub": "sub-trudy", "email": "trudy@x.example"})
    body = b"<script>alert(1)</script>"
    s3.put_object(
        Bucket=names.UPLOADS_BUCKET,
        Key="evil.html",
        Body=body,
        ContentType="text/html",
        Metadata={names.UPLOADER_METADATA: identity},
    )
    mails = wait_until(lambda: [m for m in client.mail() if "evil.html" in m["subject"]], timeout=60)
    text = mails[0]["text"]
    assert "Key: evil.html" in text and f"Size: {len(body)} bytes" in text
    assert "trudy" in text and "sub-trudy" in text
    assert "<script>" not in text  # the bytes are never read into the alert
    moved = s3.get_object(Bucket=names.UPLOADS_BUCKET, Key=names.STRAY_PREFIX + "evil.html")
    assert moved["Body"].read() == body
    with_root = s3.list_objects_v2(Bucket=names.UPLOADS_BUCKET, Prefix="evil.html").get("KeyCount", 0)
    assert with_root == 0
    assert not [m for m in client.mail() if names.STRAY_PREFIX in m["subject"]]  # the move raised no alert
