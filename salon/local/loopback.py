"""The local runtime's own SDK calls to the stack's servers, handed over in-process instead of over loopback TCP.

The embedded stack stands in for AWS's managed glue with clients of its own: the Step Functions engine's Task
clients (Lambda Invoke, the SDK integrations), the SQS event source mappings and the mailbox, the stack's own clients
(the AI endpoint reading S3, the gallery site, the console). On AWS none of these calls leaves the provider's
network from the product's side, and here each cost a socket round trip between two threads of one process: the
client writing the request (http.client, urllib3), a server thread parsing it (http.server's email parser), the
answer written and parsed back, and two GIL hand-offs per call.

`attach(client)` swaps such a client's HTTP session for one that gives a request aimed at a server of this process
(`serve`, by origin: "http://host:port") to that server's `answer`, in the calling thread: the same botocore request
(serialised, signed, retried and parsed by botocore as before), the same environ made by the server's own handler
class, the same WSGI app (moto's server with the stack's middleware: fault injection, the Cognito mail, the
execution waits), the same answer's status, headers and body. A request to any other origin (or to a server that
has stopped) goes out over the network as before. The product's code (the functions' handlers, the CLI, the web
client) does not use it: its calls stay on the wire, as they run against AWS.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import urlsplit

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from urllib3 import HTTPHeaderDict
from urllib3.util.request import body_to_chunks
from urllib3.util.url import _encode_target


class _Answer(Protocol):
    status: int
    headers: list[tuple[str, str]]
    body: bytes


Server = Callable[[str, str, list[tuple[str, str]], bytes], _Answer]
_servers: dict[str, Server] = {}
_lock = threading.Lock()
BLOCKSIZE = 16384  # urllib3's default: a file-like body is read in blocks of this size


def serve(origin: str, server: Server) -> None:
    """Requests to `origin` ("http://host:port") from attached clients go to `server` from now on."""
    with _lock:
        _servers[origin] = server


def unserve(origin: str) -> None:
    with _lock:
        _servers.pop(origin, None)


def served(origin: str) -> bool:
    return origin in _servers


class _Raw:
    """The answer's body as botocore reads a urllib3 response: `stream()` for `content`, `read()` for streaming."""

    def __init__(self, body: bytes) -> None:
        self._body, self._at = body, 0

    def read(self, amt: int | None = None) -> bytes:
        end = len(self._body) if amt is None else min(len(self._body), self._at + amt)
        data, self._at = self._body[self._at : end], end
        return data

    def stream(self, amt: int = 1024, decode_content: bool | None = None) -> Any:
        while data := self.read(amt):
            yield data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._at = len(self._body)

    def release_conn(self) -> None:
        pass


def wire_headers(method: str, netloc: str, headers: Any, body: Any) -> tuple[list[tuple[str, str]], bytes]:
    """The request headers and body as the server reads them when botocore sends the request through urllib3 and
    http.client: Host and Accept-Encoding first (putrequest), then the framing urllib3 chooses, its User-Agent if
    none is set, then the request's own headers in order; values as latin-1."""
    names = {str(k).lower() for k in headers}
    out: list[tuple[str, Any]] = []
    if "host" not in names:
        host, _, port = netloc.rpartition(":")
        out.append(("Host", host if port == "80" else netloc))
    if "accept-encoding" not in names:
        out.append(("Accept-Encoding", "identity"))
    sized = body_to_chunks(body, method=method, blocksize=BLOCKSIZE)
    if isinstance(body, bytes):
        data = body
    else:
        data = b"".join(c.encode() if isinstance(c, str) else bytes(c) for c in sized.chunks or ())
    chunked = str(headers.get("Transfer-Encoding", "")).lower() == "chunked" if "transfer-encoding" in names else False
    if not chunked and "content-length" not in names and "transfer-encoding" not in names:
        if sized.content_length is None:
            if sized.chunks is not None:
                out.append(("Transfer-Encoding", "chunked"))
        else:
            out.append(("Content-Length", str(sized.content_length)))
    if "user-agent" not in names:
        from urllib3.connection import _get_default_user_agent

        out.append(("User-Agent", _get_default_user_agent()))
    out += list(headers.items())
    return [(str(k), _latin1(v)) for k, v in out], data


def _latin1(value: Any) -> str:
    raw = value if isinstance(value, bytes) else str(value).encode("latin-1")  # as http.client's putheader
    return raw.decode("iso-8859-1").lstrip(" \t")  # as the server's header parser reads it


class LoopbackSession:
    """botocore's HTTP session for a client of the local runtime: in-process to a served origin, else `fallback`."""

    def __init__(self, fallback: Any) -> None:
        self.fallback = fallback

    def send(self, request: AWSPreparedRequest) -> AWSResponse:
        parts = urlsplit(request.url)
        server = _servers.get(f"{parts.scheme}://{parts.netloc}")
        if server is None:
            return self.fallback.send(request)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers, body = wire_headers(request.method, parts.netloc, request.headers, request.body)
        answer = server(request.method, _encode_target(target), headers, body)
        response_headers = HTTPHeaderDict()
        for name, value in answer.headers:
            response_headers.add(name, value)
        response = AWSResponse(request.url, answer.status, response_headers, _Raw(answer.body))
        if not request.stream_output:
            response.content  # noqa: B018 - read at once, as botocore's own session does
        return response

    def close(self) -> None:
        self.fallback.close()


def attach(client: Any) -> Any:
    """Gives `client` (a boto3 client of the local runtime) the in-process session; returns the client."""
    endpoint = client._endpoint
    if not isinstance(endpoint.http_session, LoopbackSession):
        endpoint.http_session = LoopbackSession(endpoint.http_session)
    return client
