"""Upload captions: the title (and optional description) a designer gives with `POST /uploads`.

Validated like comments (NFC, control and invisible formatting characters removed, lone surrogates refused),
then pinned into the presigned POST as one object-metadata field, so the caption travels with the pending
upload and nobody can change it between the grant and the workflow. S3 metadata must be ASCII and at most
2 KB in all: the caption is base64url of its UTF-8 JSON. HTML in a caption is text: pages set it with
`textContent`, emails escape it.
"""

from __future__ import annotations

import base64
import binascii
import json
import unicodedata
from dataclasses import dataclass

from functions.domain.comments import _CONTROL, _SURROGATE

TITLE_CHARS = 100
DESCRIPTION_CHARS = 300
METADATA_BYTES = 2048  # S3's limit for all user-defined metadata, keys and values together
METADATA_FIELD = "caption"  # x-amz-meta-caption


class CaptionRefused(ValueError):
    """The title or description cannot be accepted; the message says why (shown to the designer)."""


@dataclass(frozen=True)
class Caption:
    title: str = ""
    description: str = ""

    def encoded(self) -> str:
        text = json.dumps({"t": self.title, "d": self.description}, ensure_ascii=False, separators=(",", ":"))
        return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def _clean(text: object, what: str, limit: int, *, multiline: bool) -> str:
    if not isinstance(text, str):
        raise CaptionRefused(f"The {what} must be text.")
    if _SURROGATE.search(text):
        raise CaptionRefused(f"The {what} holds a lone UTF-16 surrogate (such as \\ud800); it is not valid text.")
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = "\n".join(" ".join(line.split()) for line in text.split("\n")) if multiline else " ".join(text.split())
    text = text.strip()
    if len(text) > limit:
        raise CaptionRefused(f"The {what} is {len(text)} characters; at most {limit}.")
    return text


def parse(title: object, description: object = "", *, required: bool = False) -> Caption:
    """A checked caption; raises CaptionRefused with a message for the designer."""
    clean_title = _clean(title if title is not None else "", "title", TITLE_CHARS, multiline=False)
    if required and not clean_title:
        raise CaptionRefused("Give the design a title (it is empty once control characters and spaces are removed).")
    clean_description = _clean(
        description if description is not None else "", "description", DESCRIPTION_CHARS, multiline=True
    )
    return Caption(clean_title, clean_description)


def check_fits(caption: Caption, other_metadata: dict[str, str]) -> None:
    """Refuses a caption that, with the rest of the object's metadata, exceeds S3's 2 KB."""
    used = sum(len(k.encode()) + len(v.encode()) for k, v in other_metadata.items())
    size = used + len(METADATA_FIELD) + len(caption.encoded())
    if size > METADATA_BYTES:
        raise CaptionRefused(
            f"The title and description take {size} bytes as stored with the photo; at most {METADATA_BYTES}. "
            "Shorten the description."
        )


def from_metadata(metadata: dict[str, str]) -> Caption:
    """The caption the API pinned into the object's metadata, checked again; empty when absent or not valid."""
    raw = metadata.get(METADATA_FIELD, "")
    if not raw or len(raw) > METADATA_BYTES:
        return Caption()
    try:
        value = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("utf-8"))
        if not isinstance(value, dict):
            return Caption()
        return parse(value.get("t", ""), value.get("d", ""))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return Caption()
