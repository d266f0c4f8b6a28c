"""Browser-form uploads straight to the stack's S3: the signed policy pins exactly what is stored."""

from __future__ import annotations

import boto3
import pytest
import requests

from functions import names
from tests.conftest import jpeg


@pytest.fixture(scope="module")
def grant(client):
    def fresh() -> dict:
        token = client.token("policy-dana", names.GROUP_DESIGNER)
        response = client.api("POST", "/uploads", token, {"contentType": "image/jpeg"})
        assert response.status_code == 201, response.text
        return response.json()

    return fresh


def keys_under(prefix: str) -> list[str]:
    listed = boto3.client("s3").list_object_versions(Bucket=names.UPLOADS_BUCKET, Prefix=prefix)
    return [v["Key"] for v in listed.get("Versions", [])]


@pytest.mark.parametrize("pinned_as", ["KEY", "Key", "kEy"])
def test_a_second_key_field_in_another_case_is_refused_and_nothing_is_stored(grant, pinned_as):
    issued = grant()
    target = f"published/evil-{pinned_as}.html"
    form = [("key", target), *((k, v) for k, v in issued["fields"].items() if k != "key"), (pinned_as, issued["key"])]
    response = requests.post(issued["url"], data=form, files={"file": ("a.html", b"<script>1</script>")}, timeout=10)
    assert response.status_code == 400, response.text
    assert "<Code>InvalidArgument</Code>" in response.text and "more than once" in response.text
    assert keys_under(target) == [] and keys_under(issued["key"]) == []


def test_field_names_in_another_case_store_exactly_the_pinned_key(grant):
    issued = grant()
    form = {k.upper() if k == "key" else k: v for k, v in issued["fields"].items()}
    response = requests.post(issued["url"], data=form, files={"file": ("a.jpg", jpeg())}, timeout=10)
    assert response.status_code == 204, response.text
    assert keys_under(issued["key"]) == [issued["key"]]


def test_two_files_in_one_form_are_refused(grant):
    issued = grant()
    files = [("file", ("a.jpg", jpeg())), ("file", ("b.html", b"<b>x</b>"))]
    response = requests.post(issued["url"], data=issued["fields"], files=files, timeout=10)
    assert response.status_code == 400 and "IncorrectNumberOfFilesInPostRequest" in response.text
    assert keys_under(issued["key"]) == []
