"""Whether a stack is running, from its stack.json: the little the CLI needs before it imports boto3 or requests."""

from __future__ import annotations

import os
import socket
from typing import Any
from urllib.parse import urlsplit

from salon.local.config import Endpoints, StackConfig


class ClientError(Exception):
    """A problem the user can act on; the CLI prints it without a traceback."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _listening(url: str) -> bool:
    parsed = urlsplit(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 80), timeout=2):
            return True
    except OSError:
        return False


def running_endpoints(config: StackConfig) -> Endpoints:
    """The endpoints of the stack running for `config`; a ClientError (one line) when none is.

    A stack stopped by `kill -9` leaves its stack.json behind: its process is gone, or its pid was
    reused by another program and nothing listens on its ports.
    """
    start = "start one with `salon up`"
    try:
        endpoints = Endpoints.load(config.state_file)
    except FileNotFoundError:
        raise ClientError(f"no stack running (no {config.state_file}); {start}") from None
    except (ValueError, TypeError) as exc:
        raise ClientError(f"no stack running ({config.state_file} is unreadable: {exc}); {start}") from None
    if not _alive(endpoints.pid) or not _listening(endpoints.moto):
        raise ClientError(
            f"no stack running ({config.state_file} is left from process {endpoints.pid}, which has stopped); {start}"
        )
    return endpoints


class LazyConsole:
    """A rich Console made on first use: importing rich costs tens of milliseconds at every CLI start."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Any = None

    def get(self) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.get(), name)
