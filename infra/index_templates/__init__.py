"""The custom resource that applies the OpenSearch index templates at deploy (handler.py is its asset).

The templates themselves are the project's contracts, schemas/index_<index>.json, named as the OpenSearch
adapter names them (salon-photos, salon-comments): infra reads them through the adapter, never a copy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

DIR = Path(__file__).resolve().parent


def templates() -> dict[str, Any]:
    from functions.adapters.opensearch_index import index_templates

    return dict(index_templates())
