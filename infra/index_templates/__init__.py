"""Index templates for the OpenSearch domain and the custom resource that applies them at deploy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DIR = Path(__file__).resolve().parent
TEMPLATES_FILE = DIR / "templates.json"


def templates() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(TEMPLATES_FILE.read_text(encoding="utf-8"))
    return loaded
