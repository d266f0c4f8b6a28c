"""A tiny threaded WSGI server on loopback, shared by the local endpoints."""

from __future__ import annotations

import threading
import uuid
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Response


class BackgroundServer:
    """Runs a WSGI app in a daemon thread until stop()."""

    def __init__(self, app: Any, host: str, port: int) -> None:
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True)
        self.port = self._server.server_port
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name=f"http-{self.port}")

    def start(self) -> BackgroundServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


def json_response(body: str | bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Every AWS-style response carries a request id: moto's engine crashes on errors without one."""
    hdrs = {"x-amzn-RequestId": str(uuid.uuid4()), "Content-Type": "application/x-amz-json-1.1"}
    hdrs.update(headers or {})
    return Response(body, status=status, headers=hdrs)
