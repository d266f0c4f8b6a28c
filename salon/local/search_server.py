"""An OpenSearch-compatible server on loopback for the embedded stack and the contract tests: osmem-server.

osmem-server (PyPI, MIT) is one static binary implementing the OpenSearch 3.x REST API on its own in-memory
engine. Started here without Japanese analysis (it costs ~230 MB), on a loopback port, as a child that exits
with this process. What it does not do as OpenSearch would: SigV4 (it accepts unsigned requests), 429
backpressure, Lucene scores; every search reads each matching document, so it suits tests and small local runs,
not 10^6 comments. See docs/insights.md.
"""

from __future__ import annotations

from typing import Any

from functions.adapters.opensearch_index import OpenSearchIndex


class SearchServerError(RuntimeError):
    pass


class SearchServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host, self.port = host, port
        self._server: Any = None
        self.url = ""

    def start(self) -> str:
        try:
            from osmem_server import OsmemError, OsmemServer
        except ImportError as exc:  # a dependency in pyproject.toml: scripts/bootstrap.sh installs it
            raise SearchServerError("osmem-server is not installed: run scripts/bootstrap.sh") from exc
        try:
            self._server = OsmemServer.start(japanese=False, addr=f"{self.host}:{self.port}", startup_timeout=20)
        except (OsmemError, OSError) as exc:
            raise SearchServerError(f"could not start osmem-server on {self.host}:{self.port}: {exc}") from exc
        self.url = str(self._server.url).rstrip("/")
        return self.url

    def index(self, **options: Any) -> OpenSearchIndex:
        """The project's adapter on this server, through the same connect() the functions use."""
        return OpenSearchIndex.connect(self.url, "", **options)

    def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    def __enter__(self) -> SearchServer:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
