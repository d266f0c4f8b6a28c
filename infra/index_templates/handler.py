"""CloudFormation custom resource: applies the OpenSearch index templates at deploy time.

Create/Update: PUT _index_template/<name> for each template (SigV4-signed as this function's role), and
DELETE the templates an update removed. Delete: nothing (the templates go with the domain).
Standard library and botocore only (both are in the Lambda Python runtime), so the asset is this folder.
"""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from functools import partial
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.session import Session

logger = logging.getLogger()
logger.setLevel(logging.INFO)
Opener = Callable[..., Any]
ATTEMPTS = 4


def signed(method: str, url: str, body: bytes | None, region: str, credentials: Credentials) -> urllib.request.Request:
    request = AWSRequest(method=method, url=url, data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(credentials, "es", region).add_auth(request)
    return urllib.request.Request(url, data=body, method=method, headers=dict(request.headers.items()))


def _send(make: Callable[[], urllib.request.Request], opener: Opener) -> int:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with opener(make(), timeout=30) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:500]
            if exc.code < 500 or attempt == ATTEMPTS:
                raise RuntimeError(f"{exc.code} from OpenSearch: {detail}") from exc
        except urllib.error.URLError:
            if attempt == ATTEMPTS:
                raise
        time.sleep(2**attempt)  # a new domain can answer 5xx for a short while
    raise AssertionError("unreachable")


def apply(
    endpoint: str,
    templates: dict[str, Any],
    removed: list[str],
    region: str,
    credentials: Credentials,
    opener: Opener = urllib.request.urlopen,
) -> list[str]:
    base = f"https://{endpoint}/_index_template/"
    for name in sorted(templates):
        body = json.dumps(templates[name]).encode()
        _send(partial(signed, "PUT", base + name, body, region, credentials), opener)
        logger.info("applied index template %s", name)
    for name in sorted(removed):
        try:
            _send(partial(signed, "DELETE", base + name, None, region, credentials), opener)
        except RuntimeError as exc:
            if not str(exc).startswith("404"):
                raise
        logger.info("deleted index template %s", name)
    return sorted(templates)


def respond(
    event: dict[str, Any], status: str, physical_id: str, reason: str = "", opener: Opener = urllib.request.urlopen
) -> None:
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason[:1000] or status,
            "PhysicalResourceId": physical_id,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": {},
        }
    ).encode()
    request = urllib.request.Request(
        event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    with opener(request, timeout=30):
        pass


def handler(
    event: dict[str, Any], context: Any, opener: Opener = urllib.request.urlopen, credentials: Credentials | None = None
) -> None:
    props = event.get("ResourceProperties", {})
    physical_id = event.get("PhysicalResourceId") or f"index-templates-{props.get('Endpoint', 'unknown')}"
    try:
        if event["RequestType"] in ("Create", "Update"):
            templates = json.loads(props["Templates"])
            old = json.loads(event.get("OldResourceProperties", {}).get("Templates", "{}"))
            removed = sorted(set(old) - set(templates))
            creds = credentials or Session().get_credentials()
            apply(props["Endpoint"], templates, removed, os.environ["AWS_REGION"], creds, opener)
        respond(event, "SUCCESS", physical_id, opener=opener)
    except Exception as exc:  # CloudFormation must always hear back, or the stack hangs for an hour
        logger.exception("index templates failed")
        respond(event, "FAILED", physical_id, reason=f"{type(exc).__name__}: {exc}", opener=opener)
