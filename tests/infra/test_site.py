"""The gallery site on AWS: the publisher custom resource (fakes for S3, CloudFront and CloudFormation's
response URL) and the synthesized distribution, buckets and policies."""

from __future__ import annotations

import io
import json
import urllib.request
import zipfile
from typing import Any

import pytest

from functions import names
from infra.site import IMAGE_REWRITE, site_files
from infra.site_deploy import handler
from tests.infra.conftest import resource_at

pytestmark = pytest.mark.infra
CONFIG = {k: f"value-{k}" for k in handler.CONFIG_KEYS}


class FakeS3:
    def __init__(self, archive: bytes) -> None:
        self.archive = archive
        self.objects: dict[str, dict[str, Any]] = {}
        self.deleted: list[str] = []
        self.cors: tuple[str, dict[str, Any]] = ("", {})

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        assert (Bucket, Key) == ("assets", "site.zip")
        return {"Body": io.BytesIO(self.archive)}

    def put_object(self, **kw: Any) -> None:
        self.objects[kw["Key"]] = kw

    def delete_objects(self, Bucket: str, Delete: dict[str, Any]) -> None:
        self.deleted += [o["Key"] for o in Delete["Objects"]]

    def put_bucket_cors(self, Bucket: str, CORSConfiguration: dict[str, Any]) -> None:
        self.cors = (Bucket, CORSConfiguration)


class FakeCloudFront:
    def __init__(self) -> None:
        self.invalidations: list[dict[str, Any]] = []

    def create_invalidation(self, **kw: Any) -> None:
        self.invalidations.append(kw)


class Responses:
    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: urllib.request.Request, timeout: float) -> Any:
        assert request.full_url == "https://cfn.example/response" and request.get_method() == "PUT"
        self.bodies.append(json.loads(request.data))  # type: ignore[arg-type]
        return io.BytesIO(b"")


def archive(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def event(kind: str, props: dict[str, Any], old: dict[str, Any] | None = None) -> dict[str, Any]:
    base = {
        "SiteBucket": "site",
        "AssetBucket": "assets",
        "AssetKey": "site.zip",
        "DistributionId": "E123",
        "UploadsBucket": "uploads",
        "SiteOrigin": "https://d1.cloudfront.net",
        **CONFIG,
    }
    return {
        "RequestType": kind,
        "ResponseURL": "https://cfn.example/response",
        "StackId": "stack",
        "RequestId": "req",
        "LogicalResourceId": "Site",
        "ResourceProperties": {**base, **props},
        **({"OldResourceProperties": old} if old is not None else {}),
    }


def test_publish_puts_files_with_types_writes_config_prunes_and_limits_upload_cors() -> None:
    files = {"index.html": b"<!doctype html>", "app.js": b"export {}", "style.css": b"a{}", "../evil.js": b"x"}
    s3, cloudfront, responses = FakeS3(archive(files)), FakeCloudFront(), Responses()
    clients = {"s3": s3, "cloudfront": cloudfront}
    old = {"Files": ["index.html", "app.js", "gone.js"]}
    handler.handler(event("Update", {}, old), None, responses, clients.__getitem__)
    assert responses.bodies[-1]["Status"] == "SUCCESS"
    assert s3.objects["app.js"]["ContentType"] == "text/javascript; charset=utf-8"
    assert s3.objects["index.html"]["ContentType"].startswith("text/html")
    assert all(o["CacheControl"] == "no-cache" for o in s3.objects.values())
    assert "../evil.js" not in s3.objects  # a path outside the site is never written
    assert json.loads(s3.objects["config.json"]["Body"]) == CONFIG
    assert s3.deleted == ["gone.js"]
    assert s3.cors[0] == "uploads"
    assert s3.cors[1]["CORSRules"][0]["AllowedOrigins"] == ["https://d1.cloudfront.net"]
    assert cloudfront.invalidations[0]["InvalidationBatch"]["Paths"]["Items"] == ["/*"]


def test_a_missing_config_value_fails_the_deploy_and_cloudformation_hears_why() -> None:
    s3, responses = FakeS3(archive({"index.html": b"x"})), Responses()
    clients = {"s3": s3, "cloudfront": FakeCloudFront()}
    handler.handler(event("Create", {"eventsApiKey": ""}), None, responses, clients.__getitem__)
    assert responses.bodies[-1]["Status"] == "FAILED" and "eventsApiKey" in responses.bodies[-1]["Reason"]
    assert "config.json" not in s3.objects


def test_delete_touches_nothing() -> None:
    responses = Responses()
    handler.handler(event("Delete", {}), None, responses, lambda name: pytest.fail(f"no {name} client on delete"))
    assert responses.bodies[-1]["Status"] == "SUCCESS"


def test_site_files_are_the_web_folder() -> None:
    files = site_files()
    assert {"index.html", "app.js", "owner.js", "account.js"} <= set(files) and "config.json" not in files


def test_image_paths_map_to_published_renditions_only() -> None:
    assert "/^\\/images\\/([A-Za-z0-9-]{1,64})$/" in IMAGE_REWRITE and "statusCode: 404" in IMAGE_REWRITE


def test_distribution_serves_the_site_and_only_published_images(template: dict[str, Any]) -> None:
    _, dist = resource_at(template, "Site/Distribution/Resource")
    cfg = dist["Properties"]["DistributionConfig"]
    site_origin, images_origin = cfg["Origins"]
    assert site_origin["OriginAccessControlId"] and images_origin["OriginAccessControlId"]
    assert images_origin["OriginPath"] == "/published"
    assert cfg["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    [images] = cfg["CacheBehaviors"]
    assert images["PathPattern"] == f"{names.GALLERY_IMAGES_PATH}*" and images["FunctionAssociations"]
    policies = [r for r in template["Resources"].values() if r["Type"] == "AWS::S3::BucketPolicy"]
    reads = [
        s
        for p in policies
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Principal") == {"Service": "cloudfront.amazonaws.com"}
    ]
    uploads_reads = [s for s in reads if s.get("Sid") == "GalleryReadsPublishedImages"]
    assert len(uploads_reads) == 1 and json.dumps(uploads_reads[0]["Resource"]).endswith('/published/*"]]}')
    assert all(s["Condition"]["StringEquals"]["AWS:SourceArn"] for s in reads)  # this distribution only


def test_pages_and_images_carry_security_headers(template: dict[str, Any]) -> None:
    _, pages = resource_at(template, "Site/PageHeaders/Resource")
    security = pages["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = json.dumps(security["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "appsync-realtime-api" in csp
    assert security["ContentTypeOptions"]["Override"] and security["StrictTransportSecurity"]["Override"]
    _, images = resource_at(template, "Site/ImageHeaders/Resource")
    config = images["Properties"]["ResponseHeadersPolicyConfig"]
    assert "sandbox" in config["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert config["CustomHeadersConfig"]["Items"] == [
        {"Header": "Content-Type", "Value": "image/jpeg", "Override": True}
    ]


def test_config_json_is_written_at_deploy_with_every_value(template: dict[str, Any]) -> None:
    [site] = [r for r in template["Resources"].values() if r["Type"] == "Custom::GallerySite"]
    props = site["Properties"]
    assert set(handler.CONFIG_KEYS) <= set(props)
    assert props["Files"] == site_files()
    assert "Fn::GetAtt" in json.dumps(props["eventsApiKey"])  # the subscribe-only key, resolved at deploy
