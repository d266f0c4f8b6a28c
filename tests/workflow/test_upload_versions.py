"""One upload per photo id, judged on its exact version; what is published is the rendition the workflow judged."""

from __future__ import annotations

import io
import json
import threading
from typing import Any

import boto3
import pytest
import requests
from PIL import Image

from functions import names
from functions.domain.renditions import render
from salon.client import upload_execution_name
from tests.conftest import history, jpeg, wait_until

pytestmark = pytest.mark.workflow
MANICURE = [{"Name": "Manicure", "Confidence": 97.0, "Parents": [{"Name": "Hand"}]}]
EXPLICIT = [{"Name": "Explicit Nudity", "ParentName": "Explicit", "Confidence": 95.2, "TaxonomyLevel": 2}]


def grant_for(client: Any, user: str, content_type: str = "image/jpeg") -> dict[str, Any]:
    token = client.token(user, names.GROUP_DESIGNER)
    response = client.api("POST", "/uploads", token, {"contentType": content_type})
    assert response.status_code == 201, response.text
    grant: dict[str, Any] = response.json()
    return grant


def post(grant: dict[str, Any], data: bytes) -> str:
    """Posts `data` with the grant; returns the name of the execution its Object Created event starts."""
    posted = requests.post(grant["url"], data=grant["fields"], files={"file": ("p.jpg", data)}, timeout=30)
    assert posted.status_code in (200, 201, 204), posted.text
    assert posted.headers.get("x-amz-version-id"), "a versioned bucket names the stored version"
    return upload_execution_name(grant["photoId"], posted.headers["x-amz-version-id"], data)


def outcome(client: Any, name: str) -> dict[str, Any]:
    result: dict[str, Any] = client.wait_for_upload(name)
    return result


def versions(key: str) -> list[str]:
    listed = boto3.client("s3").list_object_versions(Bucket=names.UPLOADS_BUCKET, Prefix=key)
    return [v["VersionId"] for v in listed.get("Versions", []) if v["Key"] == key]


def photo(photo_id: str) -> dict[str, Any]:
    item = boto3.client("dynamodb").get_item(TableName=names.PHOTOS_TABLE, Key={"photoId": {"S": photo_id}})["Item"]
    return {k: next(iter(v.values())) for k, v in item.items()}


def decision(key: str) -> dict[str, Any]:
    """The latest decision recorded for the upload key (the table keeps one item per decision)."""
    [item] = boto3.client("dynamodb").query(
        TableName=names.DECISIONS_TABLE,
        KeyConditionExpression="objectKey = :k",
        ExpressionAttributeValues={":k": {"S": key}},
        ScanIndexForward=False,
        Limit=1,
    )["Items"]
    return {k: next(iter(v.values())) for k, v in item.items()}


def published_bytes(photo_id: str) -> bytes:
    key = photo(photo_id)["objectKey"]
    assert key.startswith(names.PUBLISHED_PREFIX)
    return bytes(boto3.client("s3").get_object(Bucket=names.UPLOADS_BUCKET, Key=key)["Body"].read())


def states(arn: str) -> list[str]:
    return [e["stateEnteredEventDetails"]["name"] for e in history(arn) if "stateEnteredEventDetails" in e]


def rerun(client: Any, stack: Any, name: str) -> dict[str, Any]:
    """What a replayed event or a reconcile rerun does: a new execution with the same input."""
    sfn = boto3.client("stepfunctions")
    described = sfn.describe_execution(executionArn=client.execution_arn(name))
    started = sfn.start_execution(
        stateMachineArn=stack.resources.image_state_machine_arn, name=f"{name[:60]}-replay", input=described["input"]
    )
    finished: dict[str, Any] = client.wait_for_execution(started["executionArn"])
    return finished


def test_a_reused_grant_is_refused_as_already_uploaded_and_the_published_photo_stays(client, ai_script):
    ai_script("DetectLabels", [{"result": {"Labels": MANICURE}}] * 2, match="/reuser/")
    grant = grant_for(client, "reuser")
    first_bytes = jpeg(300, 300, (200, 30, 60))
    first = outcome(client, post(grant, first_bytes))
    assert first["verdict"] == "approved", first
    first_version = versions(grant["key"])

    second = outcome(client, post(grant, jpeg(300, 300, (10, 200, 10))))
    assert second["verdict"] == "rejected" and "already uploaded" in second["reasons"][0], second
    assert versions(grant["key"]) == first_version  # the second object was removed, the first stays
    assert decision(grant["key"])["verdict"] == "approved"
    assert photo(grant["photoId"])["status"] == "published"
    assert published_bytes(grant["photoId"]) == render(first_bytes).data


def test_versions_delivered_out_of_order_are_each_judged_on_their_own_bytes(client, ai_script):
    ai_script("DetectLabels", [{"result": {"Labels": MANICURE}}] * 2, match="/racer/")
    grant = grant_for(client, "racer")
    first_bytes, second_bytes = jpeg(260, 260, (220, 40, 90)), jpeg(260, 260, (40, 40, 220))
    names_ = [post(grant, first_bytes), post(grant, second_bytes)]
    results: dict[str, dict[str, Any]] = {}
    threads = [threading.Thread(target=lambda n=n: results.update({n: outcome(client, n)})) for n in names_[::-1]]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert results[names_[0]]["verdict"] == "approved", results
    assert results[names_[1]]["verdict"] == "rejected" and "already uploaded" in results[names_[1]]["reasons"][0]
    assert published_bytes(grant["photoId"]) == render(first_bytes).data


def exif_gps_jpeg_with_payload() -> bytes:
    image = Image.new("RGB", (320, 240), (190, 30, 80))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    gps = exif.get_ifd(0x8825)
    gps[2] = (51.0, 30.0, 0.0)  # GPSLatitude
    gps[1] = "N"
    buf = io.BytesIO()
    image.save(buf, "JPEG", exif=exif.tobytes())
    return buf.getvalue() + b"<html><script>alert(1)</script></html>" + b"PK\x03\x04zipped"


def test_what_is_published_is_the_judged_rendition_without_metadata_or_payload(client, stack, ai_script, tmp_path):
    ai_script("DetectLabels", [{"result": {"Labels": MANICURE}}], match="/exif-eve/")
    data = exif_gps_jpeg_with_payload()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the upload does carry GPS
    path = tmp_path / "gps.jpg"
    path.write_bytes(data)
    result = client.upload(path, "exif-eve", wait=True)
    assert result["verdict"] == "approved", result

    published = published_bytes(result["photoId"])
    assert b"<html" not in published and b"PK\x03\x04" not in published and b"SpyCam" not in published
    shown = Image.open(io.BytesIO(published))
    assert not shown.getexif() and shown.format == "JPEG" and getattr(shown, "n_frames", 1) == 1
    # Rekognition judged exactly these bytes: the rendition version named in its request.
    scheduled = [
        json.loads(e["taskScheduledEventDetails"]["parameters"])
        for e in history(result["executionArn"])
        if e.get("taskScheduledEventDetails", {}).get("resource") in ("detectLabels", "detectModerationLabels")
    ]
    assert len(scheduled) == 2
    for params in scheduled:
        ref = params["Image"]["S3Object"]
        assert ref["Name"].startswith(names.RENDITION_PREFIX) and ref["Version"]
        judged = boto3.client("s3").get_object(Bucket=names.UPLOADS_BUCKET, Key=ref["Name"], VersionId=ref["Version"])
        assert judged["Body"].read() == published
    from salon.embedded_index import EmbeddedIndex

    doc = EmbeddedIndex(stack.config.index_path).get(names.PHOTOS_INDEX, result["photoId"])
    assert doc is not None and doc["objectKey"] == photo(result["photoId"])["objectKey"]


def apng(frames: int) -> bytes:
    images = [Image.new("RGB", (128, 128), (30 * i, 100, 150)) for i in range(frames)]
    buf = io.BytesIO()
    images[0].save(buf, "PNG", save_all=True, append_images=images[1:], duration=100, loop=0)
    return buf.getvalue()


def test_an_animated_png_is_refused(client, stack, tmp_path):
    calls = dict(stack.ai.calls)
    path = tmp_path / "moving.png"
    path.write_bytes(apng(3))
    result = client.upload(path, "animator", wait=True)
    assert result["verdict"] == "rejected"
    assert result["reasons"] == ["Animated images are not accepted (this one has 3 frames)."]
    assert stack.ai.calls.get("DetectModerationLabels", 0) == calls.get("DetectModerationLabels", 0)


def test_a_quarantine_rerun_finds_the_moved_version_and_keeps_the_decision(client, stack, ai_script, tmp_path):
    ai_script("DetectModerationLabels", [{"result": {"ModerationLabels": EXPLICIT}}] * 2, match="/mover/")
    path = tmp_path / "q.jpg"
    path.write_bytes(jpeg())
    first = client.upload(path, "mover", wait=True)
    assert first["verdict"] == "quarantined"
    path_states = states(first["executionArn"])
    assert path_states.index("AlertOwner") < path_states.index("QuarantineObject")  # alerted even if moving fails

    again = rerun(client, stack, first["execution"])
    assert again["status"] == "SUCCEEDED" and json.loads(again["output"])["verdict"] == "quarantined"
    assert decision(first["key"])["verdict"] == "quarantined"
    boto3.client("s3").head_object(Bucket=names.UPLOADS_BUCKET, Key=names.QUARANTINE_PREFIX + first["key"])
    assert len(wait_until(lambda: [m for m in client.mail() if "mover@salon.example" in m["text"]])) >= 1


def test_replaying_an_approved_upload_announces_it_once(client, stack, ai_script, tmp_path):
    ai_script("DetectLabels", [{"result": {"Labels": MANICURE}}] * 2, match="/replayer/")
    path = tmp_path / "r.jpg"
    path.write_bytes(jpeg(280, 280))
    first = client.upload(path, "replayer", wait=True)
    assert first["verdict"] == "approved"
    assert "NotifyClientPublished" in states(first["executionArn"])

    again = rerun(client, stack, first["execution"])
    assert again["status"] == "SUCCEEDED"
    assert "NotifyClientPublished" not in states(again["executionArn"])
    assert photo(first["photoId"])["status"] == "published"
