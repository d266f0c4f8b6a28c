"""IndexDocument: writes one document to the search index under a deterministic id (replays overwrite)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions import config
from functions.adapters import search_index
from functions.config import IndexDocumentSettings
from functions.errors import retryable
from functions.ports import SearchIndex
from functions.schemas import validate

logger = Logger()


@logger.inject_lambda_context
@retryable
def handler(event: dict[str, Any], context: LambdaContext, index: SearchIndex | None = None) -> dict[str, Any]:
    event = validate(event, "index_document_input")
    cfg = config.settings(IndexDocumentSettings)
    index = index or search_index(cfg.search_backend, cfg.search_endpoint, cfg.aws_region)
    index.index(event["index"], event["id"], event["document"])
    return {"index": event["index"], "id": event["id"]}
