"""Fixtures of the insights tests: one OpenSearch-compatible cluster per session (opensearch_cluster.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from functions.adapters.opensearch_index import OpenSearchIndex
from tests.insights.opensearch_cluster import Cluster, started


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    with started() as running:
        yield running


@pytest.fixture
def fresh(cluster: Cluster) -> OpenSearchIndex:
    """No comments or photos index yet; the templates from schemas/ in place."""
    return cluster.fresh()


@pytest.fixture
def loaded(cluster: Cluster) -> OpenSearchIndex:
    """The scenario STORY in both indices, searchable."""
    return cluster.load_story()
