"""Ports: the small abstract interfaces the domain depends on. Adapters live in functions/adapters/."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any


@dataclass
class BulkResult:
    """Outcome of a bulk write: every document is either indexed or listed as failed, never dropped."""

    indexed: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)  # {"id", "status", "error"}


class SearchIndex(ABC):
    """The search index: OpenSearch on AWS, an embedded engine locally."""

    @abstractmethod
    def index(self, index: str, doc_id: str, document: dict[str, Any]) -> None: ...

    @abstractmethod
    def bulk(self, index: str, documents: list[tuple[str, dict[str, Any]]]) -> BulkResult: ...

    @abstractmethod
    def get(self, index: str, doc_id: str) -> dict[str, Any] | None: ...

    @abstractmethod
    def delete(self, index: str, doc_id: str) -> None: ...

    @abstractmethod
    def count(self, index: str) -> int: ...

    @abstractmethod
    def ids(self, index: str) -> list[str]: ...
