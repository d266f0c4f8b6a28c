"""Request bodies as the API reads them: JSON text to a document, or a reason the client can act on.

Pure logic. Two kinds of valid-looking JSON are refused here rather than failing deeper as a 500:
nesting deeper than the parser's stack, and strings holding a lone UTF-16 surrogate (an escape such
as \\ud800 that is not half of a pair), which no UTF-8 text, table or index can store.
"""

from __future__ import annotations

import json
import re
from typing import Any

_SURROGATE = re.compile(r"[\ud800-\udfff]")


class BodyRefused(ValueError):
    """The body cannot be read as a JSON document; the message says why."""


def has_lone_surrogate(document: Any) -> bool:
    """Whether any string (key or value) in the document holds a surrogate; walked without recursion."""
    pending = [document]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def parse(text: str | None) -> Any:
    """The JSON document in `text` (None for no body), or BodyRefused."""
    if text is None or text == "":
        return None
    try:
        document = json.loads(text)
    except RecursionError as exc:
        raise BodyRefused("The body is nested too deeply to be read.") from exc
    except ValueError as exc:
        raise BodyRefused("The body must be a JSON object.") from exc
    if has_lone_surrogate(document):
        raise BodyRefused(
            "The body holds a lone UTF-16 surrogate (an escape such as \\ud800 that is not half of a pair); "
            "it is not valid text."
        )
    return document
