"""S3 POST policy checks against policies botocore really generates (no network: signing is local)."""

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.config import Config

from salon.local.s3_post_policy import MalformedPost, PolicyViolation, check


def grant(signature_version: str = "s3v4", expires: int = 300):
    s3 = boto3.client(
        "s3",
        region_name="us-east-1",
        aws_access_key_id="AK",
        aws_secret_access_key="SK",
        config=Config(signature_version=signature_version),
    )
    return s3.generate_presigned_post(
        "bucket",
        "uploads/a/x.jpg",
        Fields={"Content-Type": "image/jpeg", "x-amz-meta-uploader": "a"},
        Conditions=[{"Content-Type": "image/jpeg"}, {"x-amz-meta-uploader": "a"}, ["content-length-range", 1, 100]],
        ExpiresIn=expires,
    )["fields"]


def secrets(key):
    return {"AK": "SK"}.get(key)


@pytest.mark.parametrize("version", ["s3v4", "s3"])
def test_a_faithful_upload_passes(version):
    check(grant(version), 50, "bucket", secrets)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"Content-Type": "text/html"}, "Policy Condition failed"),
        ({"key": "uploads/b/x.jpg"}, "Policy Condition failed"),
        ({"x-amz-meta-uploader": "mallory"}, "Policy Condition failed"),
        ({"x-amz-meta-extra": "1"}, "Extra input fields"),
    ],
)
def test_changed_fields_are_refused(change, message):
    with pytest.raises(PolicyViolation, match=message):
        check({**grant(), **change}, 50, "bucket", secrets)


def test_size_range_signature_bucket_and_expiry():
    fields = grant()
    with pytest.raises(PolicyViolation, match="101 bytes"):
        check(fields, 101, "bucket", secrets)
    with pytest.raises(PolicyViolation, match="signature"):
        check(fields, 50, "bucket", lambda key: "wrong")
    with pytest.raises(PolicyViolation, match="bucket"):
        check(fields, 50, "other-bucket", secrets)
    with pytest.raises(PolicyViolation, match="expired"):
        check(fields, 50, "bucket", secrets, now=datetime.now(UTC) + timedelta(hours=1))
    with pytest.raises(PolicyViolation, match="must contain a policy"):
        check({"key": "k"}, 1, "bucket", secrets)


@pytest.mark.parametrize("name", ["KEY", "Key", "key"])
def test_a_second_key_field_in_any_case_is_refused(name):
    """S3 reads form field names without regard to case, so `key` plus `KEY` is one field given twice."""
    fields = grant()
    form = [("key", "uploads/b/evil.html"), *((k, v) for k, v in fields.items() if k != "key"), (name, fields["key"])]
    with pytest.raises(MalformedPost, match="more than once") as refused:
        check(form, 50, "bucket", secrets)
    assert (refused.value.status, refused.value.code) == (400, "InvalidArgument")


@pytest.mark.parametrize("name", ["content-type", "X-Amz-Meta-Uploader", "POLICY", "x-amz-signature"])
def test_any_duplicated_field_is_refused(name):
    fields = grant()
    value = next(v for k, v in fields.items() if k.lower() == name.lower())  # the same value, given again
    with pytest.raises(MalformedPost, match="more than once"):
        check([*fields.items(), (name, value)], 50, "bucket", secrets)


def test_field_names_are_read_without_regard_to_case():
    """What S3 accepts (its own tests post `kEy` and `pOLICy`) passes, and the checked key is what is stored."""
    fields = {k.upper(): v for k, v in grant().items()}
    assert check(fields, 50, "bucket", secrets) == "uploads/a/x.jpg"
    assert check(grant(), 50, "bucket", secrets) == "uploads/a/x.jpg"


def test_a_form_without_a_key_or_with_two_files_is_refused():
    fields = {k: v for k, v in grant().items() if k != "key"}
    with pytest.raises(MalformedPost, match="field named 'key'"):
        check(fields, 50, "bucket", secrets)
    with pytest.raises(MalformedPost, match="exactly one file") as refused:
        check(grant(), 50, "bucket", secrets, files=2)
    assert refused.value.code == "IncorrectNumberOfFilesInPostRequest"
