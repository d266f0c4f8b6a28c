"""The bad-image corpus through InspectUpload (the function itself, as the workflow invokes it) and a few of
them the whole way: the presigned POST, the S3 event, the workflow, the verdict and its reason."""

from __future__ import annotations

import json
import uuid

import boto3
import pytest
import requests

from functions import names
from salon.client import upload_execution_name
from tests.bad_images import ACCEPTED, BAD, Case, jpeg, png_claiming, size

CORPUS_BUCKET = "salon-inspection-corpus"  # no event notifications: objects here start no workflow


@pytest.fixture(scope="module")
def s3(stack):
    client = boto3.client("s3")
    client.create_bucket(Bucket=CORPUS_BUCKET)
    client.put_bucket_versioning(Bucket=CORPUS_BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return client


def inspect(stack, s3, case: Case, designer: str = "corpus-dana") -> dict:
    key = f"{names.UPLOAD_PREFIX}{designer}/{uuid.uuid4()}.jpg"
    data = case.make()
    if case.size is not None:  # a big object whose first bytes are the case's: the function reads only those
        data = data + b"\0" * (case.size - len(data))
    extra = {"ContentType": case.declared} if case.declared else {}
    uploader = json.dumps({"email": "d@salon.example", "sub": "s", "username": designer})
    put = s3.put_object(Bucket=CORPUS_BUCKET, Key=key, Body=data, Metadata={names.UPLOADER_METADATA: uploader}, **extra)
    event = {
        "bucket": CORPUS_BUCKET,
        "key": key,
        "object": {"key": key, "version-id": put["VersionId"]},
        "eventTime": "2026-12-01T09:00:00Z",
    }
    result: dict = stack.registry.invoke(names.FN_INSPECT_UPLOAD, event)
    return result


@pytest.mark.parametrize("case", BAD, ids=lambda c: c.name)
def test_inspect_upload_refuses_each_bad_image_for_its_reason(stack, s3, case):
    result = inspect(stack, s3, case)
    assert result["valid"] is False
    assert case.reason in result["reasons"][0], result["reasons"]
    if case.size is not None:
        assert result["photo"]["size"] == case.size  # the real size, not the bytes read


@pytest.mark.parametrize("case", [c for c in ACCEPTED if c.declared], ids=lambda c: c.name)  # S3 always has a type
def test_inspect_upload_passes_each_odd_but_acceptable_image(stack, s3, case):
    result = inspect(stack, s3, case)
    assert result["valid"] is True, result["reasons"]


def post_upload(client, designer: str, data: bytes, content_type: str = "image/png") -> dict:
    token = client.token(designer, names.GROUP_DESIGNER)
    grant = client.api("POST", "/uploads", token, {"contentType": content_type}).json()
    posted = requests.post(grant["url"], data=grant["fields"], files={"file": ("x", data)}, timeout=60)
    execution = upload_execution_name(grant.get("photoId", ""), posted.headers.get("x-amz-version-id"), data)
    return {"grant": grant, "status": posted.status_code, "text": posted.text, "execution": execution}


@pytest.mark.parametrize(
    "data, content_type, reason",
    [
        pytest.param(png_claiming(30000, 30000), "image/png", "30000x30000 pixels", id="png-bomb-30000"),
        pytest.param(b"<!doctype html><script>alert(1)</script>", "image/jpeg", "not a JPEG or PNG", id="html-as-jpeg"),
        pytest.param(jpeg(256, 256)[:300], "image/jpeg", "damaged", id="truncated-jpeg"),
        pytest.param(jpeg(256, 256), "image/png", "declared as image/png but is a JPEG", id="jpeg-declared-png"),
    ],
)
def test_bad_images_through_the_whole_stack_end_rejected_with_their_reason(client, data, content_type, reason):
    sent = post_upload(client, "corpus-whole", data, content_type)
    assert sent["status"] == 204, sent["text"][:300]
    verdict = client.wait_for_upload(sent["execution"])
    assert verdict["verdict"] == "rejected", verdict
    assert any(reason in r for r in verdict["reasons"]), verdict["reasons"]


def test_an_empty_upload_is_refused_by_s3_itself(client):
    sent = post_upload(client, "corpus-whole", b"")
    assert sent["status"] == 403 and "0 bytes" in sent["text"]


def test_a_16_megabyte_object_put_past_the_grant_is_rejected_with_its_real_size(client, stack):
    """Written straight to the bucket (as anyone holding S3 credentials could), past the POST policy's cap."""
    key = f"{names.UPLOAD_PREFIX}corpus-big/{uuid.uuid4()}.jpg"
    data = jpeg(256, 256) + b"\0" * (16 * 1024 * 1024 - len(jpeg(256, 256)))
    put = boto3.client("s3").put_object(Bucket=names.UPLOADS_BUCKET, Key=key, Body=data, ContentType="image/jpeg")
    photo_id = key.rsplit("/", 1)[1].removesuffix(".jpg")
    verdict = client.wait_for_upload(upload_execution_name(photo_id, put["VersionId"], data))
    assert verdict["verdict"] == "rejected", verdict
    assert size(16 * 1024 * 1024) in verdict["reasons"], verdict["reasons"]
