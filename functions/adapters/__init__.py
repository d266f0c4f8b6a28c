"""Adapters beneath the ports, chosen at the edge from Settings."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3

from functions.config import Settings
from functions.ports import SearchIndex


@cache
def client(service: str) -> Any:
    """One boto3 client per service per process, created on first use (not at import)."""
    return boto3.client(service)


def search_index(settings: Settings) -> SearchIndex:
    if settings.search_backend == "embedded":
        from functions.adapters.embedded_index import EmbeddedIndex

        return EmbeddedIndex(settings.search_path)
    raise ValueError(f"unknown search backend {settings.search_backend!r} (expected 'embedded')")
