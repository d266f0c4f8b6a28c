"""Sample events shaped exactly as AWS delivers them (EventBridge, SQS, API Gateway HTTP API v2) and the task
payloads the ASL sends to each function. Load them with `load(name)`; each test changes what it needs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DIR = Path(__file__).resolve().parent


def load(name: str) -> Any:
    return json.loads((DIR / f"{name}.json").read_text(encoding="utf-8"))


def names() -> list[str]:
    return sorted(p.stem for p in DIR.glob("*.json"))
