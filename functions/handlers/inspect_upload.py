"""InspectUpload: is the uploaded object a usable image under its designer's prefix? Says why not."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions import names
from functions.adapters import client
from functions.config import settings
from functions.domain.inspection import Limits, inspect_image, parse_key
from functions.schemas import validate

logger = Logger()
tracer = Tracer()


def _uploader(metadata: dict[str, str]) -> dict[str, Any]:
    try:
        value = json.loads(metadata.get(names.UPLOADER_METADATA, "{}"))
    except json.JSONDecodeError:
        value = {}
    return value if isinstance(value, dict) else {}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    event = validate(event, "inspect_upload_input")
    bucket, key = event["bucket"], event["key"]
    photo: dict[str, Any] = {
        "objectKey": key,
        "photoId": "",
        "designer": "",
        "uploader": {},
        "contentType": "",
        "width": 0,
        "height": 0,
        "size": 0,
        "uploadedAt": event["eventTime"],
    }
    parsed = parse_key(key)
    if parsed is None:
        return {
            "valid": False,
            "photo": photo,
            "reasons": [f"The object key {key!r} is not an upload key issued by the API."],
        }
    photo["designer"], photo["photoId"] = parsed
    obj = client("s3").get_object(Bucket=bucket, Key=key)
    data = obj["Body"].read(settings().max_upload_bytes + 1)
    size = int(obj.get("ContentLength", len(data)))  # the real size: the read stops one byte past the limit
    uploader = _uploader(obj.get("Metadata", {}))
    result = inspect_image(data, obj.get("ContentType"), Limits(max_bytes=settings().max_upload_bytes), size)
    reasons = list(result.reasons)
    if uploader.get("username") != photo["designer"]:
        reasons.append("The upload's uploader identity does not match the designer prefix of its key.")
    photo.update(
        uploader=uploader,
        contentType=obj.get("ContentType", ""),
        width=result.width,
        height=result.height,
        size=size,
    )
    logger.info("inspected upload", extra={"key": key, "valid": not reasons, "reasons": reasons})
    return {"valid": not reasons, "reasons": reasons, "photo": photo}
