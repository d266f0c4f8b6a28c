"""Live updates: channel names, who may subscribe to a designer's channel, and limits of the events API.

The same channel rules run on AWS (AppSync Events, infra/appsync/designers_on_subscribe.js) and locally
(salon/local/events_api.py); tests give both the same table of cases.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from functions import names

NS_GALLERY = "gallery"  # public: /gallery/designs (a design was published or taken down)
NS_DESIGNS = "designs"  # public: /designs/<designId> (comment analysed, meter totals)
NS_DESIGNERS = "designers"  # private: /designers/<sub> (that designer's own uploads)
PUBLIC_NAMESPACES = (NS_GALLERY, NS_DESIGNS)
NAMESPACES = (NS_GALLERY, NS_DESIGNS, NS_DESIGNERS)
GALLERY_CHANNEL = f"/{NS_GALLERY}/designs"
MAX_EVENTS_PER_PUBLISH = 5
MAX_EVENT_BYTES = 240 * 1024
MAX_SEGMENTS = 5  # namespace included
_SEGMENT = re.compile(r"[A-Za-z0-9-]{1,50}")


class ChannelError(ValueError):
    """The channel path is not a valid AppSync Events channel."""


def segments(path: str, *, wildcard: bool = False) -> list[str]:
    """Splits `/ns/a/b` into ["ns", "a", "b"]; a trailing `*` only where subscriptions allow it."""
    if not isinstance(path, str) or not path.startswith("/"):
        raise ChannelError("A channel starts with '/' and its namespace, e.g. /gallery/designs.")
    parts = path[1:].split("/")
    if not 1 <= len(parts) <= MAX_SEGMENTS:
        raise ChannelError(f"A channel has 1 to {MAX_SEGMENTS} segments.")
    for i, part in enumerate(parts):
        if part == "*" and wildcard and i == len(parts) - 1 and i > 0:
            continue
        if not _SEGMENT.fullmatch(part):
            raise ChannelError("Channel segments are 1-50 letters, digits or dashes.")
    return parts


def design_channel(design_id: str) -> str:
    return f"/{NS_DESIGNS}/{design_id}"


def designer_channel(sub: str) -> str:
    return f"/{NS_DESIGNERS}/{sub}"


def designer_channel_allowed(channel_segments: Sequence[str], identity: Mapping[str, Any] | None) -> bool:
    """onSubscribe for the designers namespace: that designer (by Cognito sub) or the owner group, else no."""
    if not identity:
        return False
    groups = identity.get("groups") or []
    if names.GROUP_OWNER in groups:
        return True
    sub = identity.get("sub")
    return len(channel_segments) == 2 and bool(sub) and channel_segments[1] == sub


def matches(subscription: Sequence[str], channel: Sequence[str]) -> bool:
    """A subscription path matches a channel exactly, or with a trailing `*` any deeper channel."""
    if subscription and subscription[-1] == "*":
        head = subscription[:-1]
        return len(channel) > len(head) and list(channel[: len(head)]) == list(head)
    return list(subscription) == list(channel)
