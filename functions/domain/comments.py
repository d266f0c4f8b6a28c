"""Comments: text normalisation and the CommentSubmitted event. Pure logic, no AWS calls."""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from functions.domain.identity import Caller
from functions.domain.screening import ScreeningPolicy
from functions.schemas import validate

MAX_TEXT_BYTES = 5000  # Comprehend's limit for DetectSentiment, in UTF-8 bytes
# Every control character except tab and newline (C0, DEL, C1), plus bidi overrides and zero-width joiners
# that can disguise text in an email.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")  # half of a UTF-16 pair, alone: from an escape such as \ud800


class CommentRefused(Exception):
    """The comment cannot be accepted; the message says why (shown to the customer)."""


@dataclass(frozen=True)
class CommentPolicy:
    min_negative: float
    burst_threshold: int
    window_minutes: int
    excerpt_chars: int = 280
    screening: ScreeningPolicy = field(default_factory=ScreeningPolicy.strict)

    @classmethod
    def load(cls, text: str) -> CommentPolicy:
        """From the policy document's JSON text (functions/config.py loads config/comment_policy.json)."""
        doc = validate(json.loads(text), "comment_policy")
        return cls(
            float(doc["escalation"]["minNegativeScore"]),
            int(doc["burst"]["threshold"]),
            int(doc["burst"]["windowMinutes"]),
            int(doc.get("excerptChars", 280)),
            ScreeningPolicy.from_document(doc["screening"]),
        )


def normalise(text: str) -> str:
    """NFC, CR/LF unified to LF, control and invisible formatting characters removed, outer space trimmed."""
    if _SURROGATE.search(text):  # cannot be encoded as UTF-8, so it can be neither stored nor analysed
        raise CommentRefused("The comment holds a lone UTF-16 surrogate (such as \\ud800); it is not valid text.")
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text).strip()
    if not text:
        raise CommentRefused("The comment is empty once control characters and spaces are removed.")
    size = len(text.encode("utf-8"))
    if size > MAX_TEXT_BYTES:
        raise CommentRefused(f"The comment is {size} bytes of UTF-8; the limit is {MAX_TEXT_BYTES} bytes.")
    return text


def submitted_detail(design: dict[str, Any], author: Caller, text: str, now: datetime | None = None) -> dict[str, Any]:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return {
        "commentId": str(uuid.uuid4()),
        "designId": design["photoId"],
        "designer": design["designer"],
        "text": normalise(text),
        "author": author.identity(),
        "submittedAt": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }


def excerpt(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
