"""IndexDocument: writes one document to the search index under a deterministic id (replays overwrite)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.adapters import search_index
from functions.config import settings
from functions.errors import retryable
from functions.schemas import validate

logger = Logger()


@logger.inject_lambda_context
@retryable
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    event = validate(event, "index_document_input")
    search_index(settings()).index(event["index"], event["id"], event["document"])
    return {"index": event["index"], "id": event["id"]}
