"""Adapters beneath the ports, chosen at the edge from Settings."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from functions.config import Settings
from functions.ports import SearchIndex


@cache
def client(service: str) -> Any:
    """One boto3 client per service per process, created on first use (not at import).

    S3 signs with SigV4, so presigned POST policies use the algorithm S3 requires in every region.
    """
    return boto3.client(service, config=Config(signature_version="s3v4") if service == "s3" else None)


IndexWrapper = Callable[[SearchIndex], SearchIndex]
_index_wrapper: list[IndexWrapper] = []  # at most one; set only by the embedded stack (fault injection)


def wrap_search_index(wrapper: IndexWrapper | None) -> None:
    """Embedded stack only: every index adapter made from now on is passed through `wrapper` (None: none)."""
    _index_wrapper[:] = [wrapper] if wrapper else []
    search_index.cache_clear()


@cache
def search_index(settings: Settings) -> SearchIndex:
    """One index adapter per configuration per process, shared by every handler in it."""
    adapter = _search_index(settings)
    return _index_wrapper[0](adapter) if _index_wrapper else adapter


def _search_index(settings: Settings) -> SearchIndex:
    if settings.search_backend == "embedded":
        from functions.adapters.embedded_index import EmbeddedIndex

        return EmbeddedIndex(settings.search_path)
    if settings.search_backend == "opensearch":
        from functions.adapters.opensearch_index import OpenSearchIndex

        return OpenSearchIndex.connect(settings.opensearch_endpoint, settings.aws_region)
    raise ValueError(f"unknown search backend {settings.search_backend!r} (expected 'embedded' or 'opensearch')")
