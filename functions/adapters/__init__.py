"""Adapters beneath the ports, chosen at the edge from a function's settings."""

from __future__ import annotations

from collections.abc import Callable
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


SearchFactory = Callable[[str, str], SearchIndex]  # (endpoint, region) -> an index adapter


def _opensearch(endpoint: str, region: str) -> SearchIndex:
    from functions.adapters.opensearch_index import OpenSearchIndex

    return OpenSearchIndex.connect(endpoint, region)


# The backends this package ships: OpenSearch only. The embedded stack registers its own ("embedded", DuckDB
# in salon/embedded_index.py), so local-only code never enters the Lambda package.
SEARCH_BACKENDS: dict[str, SearchFactory] = {"opensearch": _opensearch}


def register_search_backend(name: str, factory: SearchFactory) -> None:
    SEARCH_BACKENDS[name] = factory
    search_index.cache_clear()


IndexWrapper = Callable[[SearchIndex], SearchIndex]
_index_wrapper: list[IndexWrapper] = []  # at most one; set only by the embedded stack (fault injection)


def wrap_search_index(wrapper: IndexWrapper | None) -> None:
    """Embedded stack only: every index adapter made from now on is passed through `wrapper` (None: none)."""
    _index_wrapper[:] = [wrapper] if wrapper else []
    search_index.cache_clear()


@cache
def search_index(backend: str, endpoint: str, region: str) -> SearchIndex:
    """One index adapter per configuration per process, shared by every handler in it.

    backend: "opensearch" (endpoint: the domain endpoint), or one a host registered ("embedded": its file).
    """
    factory = SEARCH_BACKENDS.get(backend)
    if factory is None:
        raise ValueError(f"unknown search backend {backend!r} (known: {', '.join(sorted(SEARCH_BACKENDS))})")
    adapter = factory(endpoint, region)
    return _index_wrapper[0](adapter) if _index_wrapper else adapter


def reset() -> None:
    """Forget the adapters made so far (an embedded stack started again in the same process)."""
    search_index.cache_clear()
    client.cache_clear()  # aimed at the previous stack's endpoints
    from functions.adapters import live_events

    live_events.reset()
