"""A tiny threaded WSGI server on loopback, shared by the local endpoints (moto's server included).

Connections are kept alive (HTTP/1.1), as AWS endpoints keep them: werkzeug's development server closes
every connection after one response, so each boto3 call, each engine Task and each handler's call to moto
paid a new TCP connection (and botocore a new connection set-up) — most of the stack's CPU per upload.
What keeps a persistent connection correct here:
- every response is framed: the app's Content-Length, else chunked (HTTP/1.1), else the connection closes;
- the request body is read to its end before the next request line (what the app left is drained; a body
  too big to drain, or a chunked one, closes the connection after the response);
- a client's `Connection: close` or an HTTP/1.0 request closes after the response (http.server decides);
- a connection idle for `IDLE_SECONDS` is closed, and stop() closes every open connection at once, so
  neither a pooled client nor a long poll holds a server thread (or the stack's shutdown) up.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import socket
import threading
import traceback
import uuid
from dataclasses import dataclass
from typing import Any

from werkzeug.exceptions import InternalServerError
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler
from werkzeug.wrappers import Response

from salon.local import loopback

IDLE_SECONDS = 60.0  # an idle keep-alive connection is closed after this (AWS load balancers: 60 s)
STOP_POLL_SECONDS = 0.05  # how often the accept loop looks for stop() (socketserver's default: 0.5 s per server)
DRAIN_LIMIT = 16 * 1024 * 1024  # request body bytes an app left unread that are drained to keep the connection


class _Body(io.RawIOBase):
    """The request body: at most Content-Length bytes of the connection, counting what the app reads."""

    def __init__(self, stream: Any, length: int) -> None:
        self._stream, self.remaining = stream, length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.remaining <= 0:
            return 0
        view = memoryview(buffer)[: self.remaining]
        data = self._stream.read(len(view))
        view[: len(data)] = data
        self.remaining = self.remaining - len(data) if data else 0  # EOF: the client went away
        return len(data)

    def read(self, size: int | None = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        wanted = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data: bytes = self._stream.read(wanted)
        self.remaining = self.remaining - len(data) if data else 0
        return data

    def readline(self, size: int | None = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        limit = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data: bytes = self._stream.readline(limit)
        self.remaining = self.remaining - len(data) if data else 0
        return data

    def drain(self, limit: int) -> bool:
        """Reads what is left; False when more than `limit` bytes were left (the connection must close)."""
        if self.remaining > limit:
            return False
        while self.remaining > 0:
            if not self.read(min(self.remaining, 1 << 16)):
                return False
        return True


class KeepAliveHandler(WSGIRequestHandler):
    """werkzeug's WSGI request handler, with HTTP/1.1 persistent connections (see the module's docstring)."""

    protocol_version = "HTTP/1.1"
    timeout = IDLE_SECONDS  # socket timeout: an idle connection's next-request read ends, and so does its thread
    # TCP_NODELAY: headers and body leave in separate writes; on a kept-alive connection Nagle would hold the body
    # until the client's delayed ACK (~40 ms per answer), where a closed connection used to flush it at once
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        if isinstance(self.server, KeepAliveWSGIServer):
            with self.server.connections_lock:
                self.server.open_connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            if isinstance(self.server, KeepAliveWSGIServer):
                with self.server.connections_lock:
                    self.server.open_connections.discard(self.connection)

    def log_error(self, format: str, *args: Any) -> None:
        if not format.startswith("Request timed out"):  # an idle keep-alive connection closing is no error
            super().log_error(format, *args)

    def run_wsgi(self) -> None:  # noqa: C901 - one request: body, app, framing and errors belong together
        self.environ = environ = self.make_environ()
        body: _Body | None = None
        if environ.get("wsgi.input_terminated"):  # chunked: werkzeug dechunks; close after, not drained
            self.close_connection = True
        else:
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = -1
            if length < 0:
                self.send_error(400, "Bad Content-Length")  # framed, and it closes the connection
                return
            body = _Body(self.rfile, length)
            environ["wsgi.input"] = body
            environ["wsgi.input_terminated"] = True  # the app may read to EOF: EOF is the body's end

        status_set: str | None = None
        headers_set: list[tuple[str, str]] | None = None
        status_sent: str | None = None
        chunked = False

        def write(data: bytes) -> None:
            nonlocal status_sent, chunked
            assert status_set is not None and headers_set is not None, "write() before start_response"
            if status_sent is None:
                status_sent = status_set
                code_str, _, msg = status_sent.partition(" ")
                code = int(code_str)
                self.send_response(code, msg)
                keys = set()
                for key, value in headers_set:
                    self.send_header(key, value)
                    keys.add(key.lower())
                framed = (
                    "content-length" in keys
                    or environ["REQUEST_METHOD"] == "HEAD"
                    or 100 <= code < 200
                    or code in (204, 304)
                )
                if not framed:
                    if self.request_version >= "HTTP/1.1":
                        chunked = True
                        self.send_header("Transfer-Encoding", "chunked")
                    else:
                        self.close_connection = True
                if self.close_connection and "connection" not in keys:
                    self.send_header("Connection", "close")
                self.end_headers()
            if data:
                if chunked:
                    self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                else:
                    self.wfile.write(data)
            self.wfile.flush()

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            nonlocal status_set, headers_set
            if exc_info:
                try:
                    if status_sent is not None:
                        raise exc_info[1].with_traceback(exc_info[2])
                finally:
                    exc_info = None
            elif headers_set:
                raise AssertionError("Headers already set")
            status_set, headers_set = status, headers
            return write

        def execute(app: Any) -> None:
            chunks = app(environ, start_response)
            try:
                for data in chunks:
                    write(data)
                if status_sent is None:
                    write(b"")
                if chunked:
                    self.wfile.write(b"0\r\n\r\n")
                    self.wfile.flush()
            finally:
                if hasattr(chunks, "close"):
                    chunks.close()

        try:
            execute(self.server.app)
        except (ConnectionError, TimeoutError) as exc:
            self.close_connection = True
            self.connection_dropped(exc, environ)
        except Exception:
            if self.server.passthrough_errors:
                raise
            if status_sent is not None:  # part of a response is out: the connection cannot carry another
                self.close_connection = True
            else:
                status_set = headers_set = None
                try:
                    execute(InternalServerError())  # framed (Content-Length): the connection stays usable
                except Exception:
                    self.close_connection = True
            self.server.log("error", f"Error on request {self.command} {self.path}:\n{traceback.format_exc()}")
        if body is not None and not self.close_connection and not body.drain(DRAIN_LIMIT):
            self.close_connection = True


class KeepAliveWSGIServer(ThreadedWSGIServer):
    """werkzeug's threaded server, knowing its open connections so that close() can end them all."""

    def __init__(self, host: str, port: int, app: Any, handler: type[WSGIRequestHandler]) -> None:
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(host, port, app, handler)

    def close(self) -> None:
        """Stops accepting, then ends every open connection: blocked reads return, handler threads exit."""
        self.shutdown()
        with self.connections_lock:
            connections = list(self.open_connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # closed meanwhile
                connection.shutdown(socket.SHUT_RDWR)
        self.server_close()


@dataclass
class Answer:
    """One response as the client reads it off the connection: status, headers (in order), body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


def _header_value(value: Any) -> str:
    """A header value as the other end parses it: sent as latin-1 (http.client), leading blanks dropped (email)."""
    raw = value if isinstance(value, bytes) else str(value).encode("latin-1")
    return raw.decode("iso-8859-1").lstrip(" \t")


def _request_handler(
    server: KeepAliveWSGIServer, method: str, target: str, headers: list[tuple[str, str]], body: bytes
) -> Any:
    """The server's handler class, holding what its `make_environ` reads of a request (moto's keeps underscored
    header names), with the body on `rfile` as the connection would carry it."""
    handler_class: Any = server.RequestHandlerClass
    handler: Any = handler_class.__new__(handler_class)
    handler.server, handler.command, handler.request_version = server, method, "HTTP/1.1"
    handler.path = "/" + target.lstrip("/") if target.startswith("//") else target  # as http.server reduces it
    handler.client_address = ("127.0.0.1", 0)
    handler.connection = None  # no TLS: make_environ finds no peer certificate, as on a plain socket
    handler.headers = http.client.HTTPMessage()
    for name, value in headers:
        handler.headers[name] = value
    handler.chunked = any(n.lower() == "transfer-encoding" and "chunked" in v.lower() for n, v in headers)
    if handler.chunked:  # werkzeug's DechunkedInput (set by make_environ) reads it
        body = (b"%x\r\n%b\r\n" % (len(body), body) if body else b"") + b"0\r\n\r\n"
    handler.rfile = io.BytesIO(body)
    return handler


def _run(app: Any, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], list[bytes]]:
    """The app's status, headers and body chunks, as WSGI hands them to the server."""
    started: list[Any] = []
    written: list[bytes] = []

    def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        if exc_info:
            try:
                if written:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif started:
            raise AssertionError("Headers already set")
        started[:] = [status, response_headers]
        return written.append

    chunks = app(environ, start_response)
    try:
        written.extend(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return started[0], started[1], written


def answer_in_process(
    server: KeepAliveWSGIServer, method: str, target: str, headers: list[tuple[str, str]], body: bytes
) -> Answer:
    """The server's answer to one request, computed in the calling thread: the environ its handler makes from the
    request line and headers, the body as `KeepAliveHandler.run_wsgi` hands it to the app, the app's response with
    the headers `send_response` adds and the framing a client sees. What differs from a socket: no socket
    (`werkzeug.socket` is None, the remote port 0), the body is read at once."""
    handler = _request_handler(server, method, target, headers, body)
    environ = handler.make_environ()
    if not handler.chunked:
        length = int(environ.get("CONTENT_LENGTH") or 0)  # botocore always sends a valid length
        environ["wsgi.input"] = _Body(handler.rfile, length)
        environ["wsgi.input_terminated"] = True
    try:
        status, app_headers, written = _run(server.app, environ)
    except Exception:
        if server.passthrough_errors:
            raise
        server.log("error", f"Error on request {method} {target}:\n{traceback.format_exc()}")
        status, app_headers, written = _run(InternalServerError(), environ)  # framed, as run_wsgi answers it
    code = int(status.partition(" ")[0])
    out = [("Server", handler.version_string()), ("Date", handler.date_time_string())]
    out += [(name, _header_value(value)) for name, value in app_headers]
    keys = {name.lower() for name, _ in out}
    no_body = method == "HEAD" or 100 <= code < 200 or code in (204, 304)
    if not (no_body or "content-length" in keys):
        out.append(("Transfer-Encoding", "chunked"))  # run_wsgi frames an answer of unknown length so
    if handler.chunked and "connection" not in keys:
        out.append(("Connection", "close"))  # run_wsgi closes after a chunked request body, and says so
    return Answer(code, out, b"" if no_body else b"".join(written))


class BackgroundServer:
    """Runs a WSGI app in a daemon thread until stop(). While it runs, the local runtime's own clients (salon/local/
    loopback.py) may hand it requests in-process instead of over a connection."""

    def __init__(self, app: Any, host: str, port: int, handler: type[WSGIRequestHandler] = KeepAliveHandler) -> None:
        self._server = KeepAliveWSGIServer(host, port, app, handler)
        self.port = self._server.server_port
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(STOP_POLL_SECONDS,), daemon=True, name=f"http-{self.port}"
        )

    @property
    def app(self) -> Any:
        return self._server.app

    @app.setter
    def app(self, app: Any) -> None:
        self._server.app = app

    def start(self) -> BackgroundServer:
        self._thread.start()
        loopback.serve(self.url, self.answer)
        return self

    def answer(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> Answer:
        """This server's answer to one request, computed in the calling thread (see `answer_in_process`)."""
        return answer_in_process(self._server, method, target, headers, body)

    def stop(self) -> None:
        loopback.unserve(self.url)
        self._server.close()
        self._thread.join(timeout=5)


def moto_server(host: str, port: int) -> BackgroundServer:
    """moto's server app (every service on one port), as moto's ThreadedMotoServer serves it, kept alive."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

    class MotoKeepAliveHandler(KeepAliveHandler, MotoRequestHandler):
        """moto's environ (headers with underscores kept, for S3 metadata) on a persistent connection."""

    return BackgroundServer(DomainDispatcherApplication(create_backend_app), host, port, MotoKeepAliveHandler)


def json_response(body: str | bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Every AWS-style response carries a request id: moto's engine crashes on errors without one."""
    hdrs = {"x-amzn-RequestId": str(uuid.uuid4()), "Content-Type": "application/x-amz-json-1.1"}
    hdrs.update(headers or {})
    return Response(body, status=status, headers=hdrs)
