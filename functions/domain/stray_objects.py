"""Objects written into the uploads bucket outside the prefixes the stack writes (a stray object).

Nothing the stack does writes there: designers upload only through presigned POSTs pinned to `uploads/`, and the
workflows write `renditions/`, `published/` and `quarantine/`. So such an object is a mistake or an attack (a
leaked credential, a mis-scoped role, an operator's script). It is recorded, the owner hears of it (key, size,
who wrote it as far as the request and the object's metadata say), and it is moved under
`quarantine/stray/<key>` so nothing can ever serve it from where it was written (docs/decisions.md). The object's
bytes and its other metadata are never read or repeated: they are whatever the writer chose.
"""

from __future__ import annotations

import hashlib
import html
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from functions import names
from functions.domain.inspection import uploader_of
from functions.domain.messages import Email, one_line

MAX_KEY_BYTES = 1024  # S3's limit on a key, in UTF-8 bytes


@dataclass(frozen=True)
class StrayHead:
    """What S3 says of the object now (None from `head` when it is already gone)."""

    size: int
    content_type: str
    metadata: dict[str, str]
    version_id: str


class StrayStore(ABC):
    @abstractmethod
    def head(self, key: str, version_id: str) -> StrayHead | None: ...

    @abstractmethod
    def move(self, key: str, version_id: str, to_key: str) -> None:
        """Copies that version to `to_key`, then deletes it from `key` (the bucket keeps older versions)."""


class OwnerAlerts(ABC):
    @abstractmethod
    def send(self, email: Email, kind: str) -> None: ...


def is_stack_key(key: str) -> bool:
    return key.startswith(names.STACK_PREFIXES)


def quarantine_key(key: str) -> str:
    """Where a stray object goes: `quarantine/stray/<key>`, or a digest of the key when that would be too long."""
    target = names.STRAY_PREFIX + key
    if len(target.encode("utf-8")) <= MAX_KEY_BYTES:
        return target
    return names.STRAY_PREFIX + "sha256-" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def writer_of(detail: dict[str, Any], metadata: dict[str, str]) -> dict[str, str]:
    """Who wrote it, as far as the S3 request and the object's metadata say. All of it is the writer's claim
    except the requester and source IP, which S3 records; each value is one line of bounded length."""
    found = {
        "requester": detail.get("requester"),
        "sourceIp": detail.get("source-ip-address"),
        "requestId": detail.get("request-id"),
        "reason": detail.get("reason"),
    }
    uploader = uploader_of(metadata)
    for field in ("username", "sub", "email"):
        if isinstance(uploader.get(field), str):
            found[f"uploader.{field}"] = uploader[field]
    return {k: one_line(str(v), 200) for k, v in found.items() if isinstance(v, str | int) and str(v)}


def stray_alert(record: dict[str, Any]) -> Email:
    key = one_line(record["key"], 300)
    subject = one_line(f"Object written outside uploads/: {key}")
    writer = record["writer"] or {"unknown": "no requester or uploader identity in the event or metadata"}
    size = "unknown (already gone)" if record["size"] is None else f"{record['size']} bytes"
    action = {
        "quarantined": f"moved to {record['quarantineKey']}",
        "gone": "already deleted when it was checked; nothing moved",
    }[record["action"]]
    lines = [
        "An object was written into the uploads bucket outside the prefixes the stack writes.",
        f"Key: {key}",
        f"Version: {record['versionId'] or '-'}",
        f"Size: {size}",
        f"Content type (as written): {one_line(record['contentType'] or '-', 100)}",
        f"Written at: {record['time']}",
        *[f"Writer {k}: {v}" for k, v in writer.items()],
        f"Action: {action}",
        "Nothing serves it. If it is not yours, rotate the credentials the requester names.",
    ]
    rows = [
        ("Key", html.escape(key)),
        ("Version", html.escape(record["versionId"] or "-")),
        ("Size", html.escape(size)),
        ("Written at", html.escape(record["time"])),
        *[(html.escape(f"Writer {k}"), html.escape(v)) for k, v in writer.items()],
        ("Action", html.escape(action)),
    ]
    table = "".join(f"<tr><th align='left'>{k}</th><td>{v}</td></tr>" for k, v in rows)
    page = (
        "<!doctype html><html><body style='font-family:sans-serif;max-width:640px'>"
        f"<h2>{html.escape(subject)}</h2><table cellpadding='4'>{table}</table>"
        "<p>Nothing serves it. If it is not yours, rotate the credentials the requester names.</p></body></html>"
    )
    return Email(subject, "\n".join(lines), page)


def report_stray_object(event: dict[str, Any], store: StrayStore, alerts: OwnerAlerts) -> dict[str, Any]:
    """Records a stray object: moves it into quarantine and alerts the owner. Returns the record (for the log).

    Keys the stack writes are left alone (the rule already excludes them; a looser rule changes nothing here).
    The owner is alerted before the move, so a failure after it loses nothing: the event is retried (alert and move
    again), or its retry finds the object already moved and says so (`gone`).
    """
    detail = event.get("detail") or {}
    obj = detail.get("object") or {}
    key, version = str(obj.get("key", "")), str(obj.get("version-id") or "")
    record: dict[str, Any] = {
        "key": key,
        "versionId": version,
        "time": one_line(str(event.get("time", "")), 40),
        "size": obj.get("size") if isinstance(obj.get("size"), int) else None,
        "contentType": "",
        "writer": writer_of(detail, {}),
        "action": "ignored",
        "quarantineKey": None,
    }
    if not key or is_stack_key(key):
        return record
    head = store.head(key, version)
    if head is None:
        record["action"] = "gone"
    else:
        record.update(size=head.size, contentType=head.content_type, writer=writer_of(detail, head.metadata))
        record["versionId"] = head.version_id or version
        record["quarantineKey"] = quarantine_key(key)
        record["action"] = "quarantined"
    alerts.send(stray_alert(record), "stray-object")  # first: a failed move is retried, the owner already knows
    if head is not None:
        store.move(key, record["versionId"], record["quarantineKey"])
    return record
