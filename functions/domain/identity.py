"""Who is calling, from the JWT claims the authorizer verified."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# A username that can be one segment of an object key: letters, digits and _.@-, at most 128, never starting
# with a dot (so never `.` or `..`, nor a hidden name). Usernames outside it get no upload key.
USERNAME_SEGMENT = r"[A-Za-z0-9_@-][A-Za-z0-9_.@-]{0,127}"
_SAFE_USERNAME = re.compile(rf"^{USERNAME_SEGMENT}$")


def is_safe_username(username: str) -> bool:
    return bool(_SAFE_USERNAME.match(username))


@dataclass(frozen=True)
class Caller:
    sub: str
    username: str
    email: str
    groups: tuple[str, ...]

    def in_any(self, groups: Iterable[str]) -> bool:
        return bool(set(groups) & set(self.groups))

    def identity(self) -> dict[str, str]:
        return {"sub": self.sub, "username": self.username, "email": self.email}


def _groups(value: Any) -> tuple[str, ...]:
    """API Gateway HTTP APIs pass array claims as a string like "[designer owner]"; tokens carry a list."""
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    if isinstance(value, str):
        return tuple(v for v in value.strip("[]").replace(",", " ").split() if v)
    return ()


def caller_from_claims(claims: Mapping[str, Any]) -> Caller:
    username = claims.get("cognito:username") or claims.get("username") or ""
    return Caller(
        sub=str(claims.get("sub", "")),
        username=str(username),
        email=str(claims.get("email", "")),
        groups=_groups(claims.get("cognito:groups")),
    )
