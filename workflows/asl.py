"""Loading the ASL files beside this module and applying definition substitutions (as CloudFormation does on AWS)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

WORKFLOWS_DIR = Path(__file__).resolve().parent
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def definition_path(name: str) -> Path:
    return WORKFLOWS_DIR / f"{name}.asl.json"


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def substitute(text: str, values: dict[str, str]) -> str:
    """Replaces every ${Name}; a missing value is an error, never a silent blank."""
    missing = placeholders(text) - values.keys()
    if missing:
        raise KeyError(f"no substitution for {sorted(missing)}")
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def render(name: str, values: dict[str, str]) -> str:
    return substitute(definition_path(name).read_text(encoding="utf-8"), values)


def load(name: str, values: dict[str, str]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(render(name, values))
    return result
