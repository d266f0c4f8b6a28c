"""InspectUpload: is the uploaded object a usable image under its designer's prefix? Says why not."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions import config
from functions.adapters import client
from functions.config import InspectUploadSettings
from functions.domain.inspection import Limits, inspect_image, parse_key, uploader_of, uploader_reasons
from functions.schemas import validate

logger = Logger()
tracer = Tracer()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext, s3: Any = None) -> dict[str, Any]:
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
    max_bytes = config.settings(InspectUploadSettings).max_upload_bytes
    obj = (s3 or client("s3")).get_object(Bucket=bucket, Key=key)
    data = obj["Body"].read(max_bytes + 1)
    uploader = uploader_of(obj.get("Metadata", {}))
    size = int(obj.get("ContentLength", len(data)))  # the real size: the read stops one byte past the limit
    result = inspect_image(data, obj.get("ContentType"), Limits(max_bytes=max_bytes), size)
    reasons = [*result.reasons, *uploader_reasons(uploader, photo["designer"])]
    photo.update(
        uploader=uploader,
        contentType=obj.get("ContentType", ""),
        width=result.width,
        height=result.height,
        size=size,
    )
    logger.info("inspected upload", extra={"key": key, "valid": not reasons, "reasons": reasons})
    return {"valid": not reasons, "reasons": reasons, "photo": photo}
