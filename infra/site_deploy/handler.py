"""CloudFormation custom resource: publishes the gallery site to its bucket at deploy time.

Create/Update: unzip the site asset (web/, staged by CDK), put each file with its Content-Type and
`no-cache`, write `config.json` from the resource's properties (API URL, events endpoints, subscribe-only
key, user pool ids: only known once the stack's resources exist), delete files an update removed, and
invalidate the CloudFront cache. Delete: nothing (the bucket goes or stays with its removal policy).
Standard library and boto3 only (both are in the Lambda Python runtime), so the asset is this folder.
"""

from __future__ import annotations

import io
import json
import logging
import mimetypes
import time
import urllib.request
import zipfile
from collections.abc import Callable
from typing import Any

logger = logging.getLogger()
logger.setLevel(logging.INFO)
Opener = Callable[..., Any]
CONFIG = "config.json"
CONFIG_KEYS = (
    "apiUrl",
    "region",
    "userPoolId",
    "userPoolClientId",
    "cognitoEndpoint",
    "eventsHttpEndpoint",
    "eventsRealtimeEndpoint",
    "eventsApiKey",
    "privateImagesOrigin",
)
TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}


def content_type(name: str) -> str:
    for suffix, kind in TYPES.items():
        if name.endswith(suffix):
            return kind
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def site_config(props: dict[str, Any]) -> dict[str, str]:
    """config.json: exactly the keys the pages read (web/config.js); refuses a property that is missing."""
    missing = [k for k in CONFIG_KEYS if not props.get(k)]
    if missing:
        raise ValueError(f"site config lacks {', '.join(missing)}")
    return {k: str(props[k]) for k in CONFIG_KEYS}


def publish(s3: Any, cloudfront: Any, props: dict[str, Any], old_files: list[str]) -> list[str]:
    """Puts the site's files and config.json, removes files the previous version had and this one has not, and
    limits the uploads bucket's CORS to the site's origin (the pages POST uploads there)."""
    bucket = props["SiteBucket"]
    archive = s3.get_object(Bucket=props["AssetBucket"], Key=props["AssetKey"])["Body"].read()
    files: list[str] = []
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        for info in zipped.infolist():
            name = info.filename
            if info.is_dir() or name.startswith("/") or ".." in name.split("/") or name == CONFIG:
                continue
            s3.put_object(
                Bucket=bucket,
                Key=name,
                Body=zipped.read(info),
                ContentType=content_type(name),
                CacheControl="no-cache",
            )
            files.append(name)
    config = json.dumps(site_config(props), sort_keys=True).encode()
    s3.put_object(Bucket=bucket, Key=CONFIG, Body=config, ContentType="application/json", CacheControl="no-cache")
    stale = sorted(set(old_files) - set(files))
    if stale:
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in stale], "Quiet": True})
    s3.put_bucket_cors(
        Bucket=props["UploadsBucket"],
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedMethods": ["POST"],
                    "AllowedOrigins": [props["SiteOrigin"]],
                    "AllowedHeaders": ["*"],
                    "MaxAgeSeconds": 600,
                }
            ]
        },
    )
    cloudfront.create_invalidation(
        DistributionId=props["DistributionId"],
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": str(time.time_ns())},
    )
    return sorted(files)


def respond(
    event: dict[str, Any],
    status: str,
    physical_id: str,
    reason: str = "",
    data: dict[str, Any] | None = None,
    opener: Opener = urllib.request.urlopen,
) -> None:
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason[:1000] or status,
            "PhysicalResourceId": physical_id,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": data or {},
        }
    ).encode()
    request = urllib.request.Request(
        event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    with opener(request, timeout=30):
        pass


def handler(
    event: dict[str, Any],
    context: Any,
    opener: Opener = urllib.request.urlopen,
    clients: Callable[[str], Any] | None = None,
) -> None:
    props = event.get("ResourceProperties", {})
    physical_id = event.get("PhysicalResourceId") or f"site-{props.get('SiteBucket', 'unknown')}"
    try:
        if event["RequestType"] in ("Create", "Update"):
            import boto3

            make = clients or boto3.client
            old = list(event.get("OldResourceProperties", {}).get("Files", []))  # what the last deploy put
            files = publish(make("s3"), make("cloudfront"), props, old)
            logger.info("published %d site files and config.json", len(files))
        respond(event, "SUCCESS", physical_id, opener=opener)
    except Exception as exc:  # CloudFormation must always hear back, or the stack hangs for an hour
        logger.exception("site publish failed")
        respond(event, "FAILED", physical_id, reason=f"{type(exc).__name__}: {exc}", opener=opener)
