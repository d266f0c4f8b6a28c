"""InspectUpload: the event's object version, one upload per photo id, a usable image, its re-encoded rendition."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions import config
from functions.adapters import client
from functions.adapters.s3_uploads import S3Uploads
from functions.config import InspectUploadSettings
from functions.domain.inspection import Limits
from functions.domain.upload_check import check_upload
from functions.errors import retryable
from functions.schemas import validate

logger = Logger()
tracer = Tracer()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@retryable
def handler(event: dict[str, Any], context: LambdaContext, s3: Any = None) -> dict[str, Any]:
    """s3: a stand-in for the S3 client (tests); the process's client otherwise."""
    event = validate(event, "inspect_upload_input")
    version = (event.get("object") or {}).get("version-id")
    store = S3Uploads(s3 or client("s3"), event["bucket"])
    limits = Limits(max_bytes=config.settings(InspectUploadSettings).max_upload_bytes)
    result = check_upload(store, event["key"], version, event["eventTime"], limits)
    logger.info(
        "inspected upload",
        extra={"key": event["key"], "version": version, "valid": result["valid"], "reasons": result["reasons"]},
    )
    return result
