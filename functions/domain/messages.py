"""Messages people read: owner alerts. Subjects are one line under 100 characters, built from trusted fields."""

from __future__ import annotations

import re
from typing import Any

_UNSAFE = re.compile(r"[\x00-\x1f\x7f]+")


def one_line(text: str, limit: int = 99) -> str:
    """Collapses control characters (CR/LF included) and trims to the limit."""
    text = _UNSAFE.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quarantine_alert(photo: dict[str, Any], decision: dict[str, Any], execution_link: str) -> dict[str, str]:
    uploader = photo.get("uploader") or {}
    who = uploader.get("username") or photo.get("designer") or "unknown"
    lines = [
        "An upload was quarantined by the moderation policy and is not visible in the gallery.",
        "",
        f"Uploader:   {who}",
        f"Email:      {uploader.get('email') or 'not given'}",
        f"User id:    {uploader.get('sub') or 'unknown'}",
        f"Object:     {photo.get('objectKey')}",
        "",
        "Why:",
        *[f"  - {reason}" for reason in decision.get("reasons", [])],
        "",
        "Moderation labels (Rekognition):",
        *[f"  - {m.get('name')}{' / ' + m['parent'] if m.get('parent') else ''}: {m.get('confidence')}%"
          for m in decision.get("moderation", [])],
        "",
        f"Execution: {execution_link}",
    ]
    return {"subject": one_line(f"Quarantined upload from {who}"), "message": "\n".join(lines)}
