"""Adapters beneath the ports, chosen at the edge from a function's settings."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from functions.ports import SearchIndex


@cache
def client(service: str) -> Any:
    """One boto3 client per service per process, created on first use (not at import).

    S3 signs with SigV4, so presigned POST policies use the algorithm S3 requires in every region.
    """
    return boto3.client(service, config=Config(signature_version="s3v4") if service == "s3" else None)


@cache
def search_index(backend: str, endpoint: str, region: str) -> SearchIndex:
    """One index adapter per configuration per process, shared by every handler in it.

    backend: "opensearch" (endpoint: the domain endpoint) or "embedded" (endpoint: the index file).
    """
    if backend == "embedded":
        from functions.adapters.embedded_index import EmbeddedIndex

        return EmbeddedIndex(endpoint)
    if backend == "opensearch":
        from functions.adapters.opensearch_index import OpenSearchIndex

        return OpenSearchIndex.connect(endpoint, region)
    raise ValueError(f"unknown search backend {backend!r} (expected 'embedded' or 'opensearch')")


def reset() -> None:
    """Forget the adapters made so far (an embedded stack started again in the same process)."""
    search_index.cache_clear()
