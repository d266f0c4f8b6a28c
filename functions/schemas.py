"""JSON Schema validation against the contracts in schemas/ (compiled once per schema)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema

from functions.errors import InvalidEventError

SCHEMAS_DIR = Path(__file__).resolve().parent.parent / "schemas"


@cache
def schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMAS_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
    return loaded


@cache
def _validator(name: str) -> Any:
    return fastjsonschema.compile(schema(name))


def validate(document: Any, name: str) -> Any:
    """Returns the document (with defaults applied) or raises InvalidEventError naming the problem."""
    try:
        return _validator(name)(document)
    except fastjsonschema.JsonSchemaException as exc:
        raise InvalidEventError(f"{name}: {exc}") from exc
