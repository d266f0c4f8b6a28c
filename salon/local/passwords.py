"""Passwords of the users that `--as` creates in the local user pool: random, kept in the stack's home.

Never derived from the username (anyone could sign in as anyone). The file is readable by its owner only
(mode 0600) and rewritten whole under a lock, so CLI processes signing in at once do not lose entries.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

FILE_MODE = 0o600


def generate() -> str:
    """A password any Cognito password policy accepts: 24 random URL-safe characters plus one of each class."""
    return secrets.token_urlsafe(18) + "aA1!"


class LocalPasswords:
    def __init__(self, path: Path) -> None:
        self.path = path

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def get(self, username: str) -> str | None:
        with self._locked():
            return self._read().get(username.lower())

    def new(self, username: str) -> str:
        """Generates and keeps a fresh password for `username` (the pool's usernames are case-insensitive)."""
        password = generate()
        with self._locked():
            entries = self._read() | {username.lower(): password}
            tmp = self.path.with_name(self.path.name + ".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                os.fchmod(out.fileno(), FILE_MODE)  # also when the file existed with wider permissions
                json.dump(entries, out, indent=2, sort_keys=True)
            tmp.replace(self.path)
        return password
