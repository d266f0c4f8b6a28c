"""Every local server keeps connections alive (HTTP/1.1) and frames every response, errors included."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.wrappers import Request, Response

from salon.local.httpserver import BackgroundServer


@Request.application
def echo(request: Request) -> Response:
    if request.path == "/boom":
        raise RuntimeError("the app failed")
    if request.path == "/stream":
        return Response(iter([b"no ", b"length"]))  # no Content-Length: chunked
    if request.path == "/ignore":
        return Response(b"body left unread")
    return Response(b"got " + request.get_data())


@pytest.fixture
def server() -> Iterator[BackgroundServer]:
    running = BackgroundServer(echo, "127.0.0.1", 0).start()
    yield running
    running.stop()


def exchange(connection: http.client.HTTPConnection, method: str, path: str, body: bytes | None = None) -> Any:
    connection.request(method, path, body=body)
    response = connection.getresponse()
    response.body = response.read()
    return response


def local_port(connection: http.client.HTTPConnection) -> int:
    assert connection.sock is not None, "the connection was closed"
    port: int = connection.sock.getsockname()[1]
    return port


def test_one_connection_carries_bodies_errors_and_chunked_answers(server: BackgroundServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    first = exchange(connection, "POST", "/", b"one")
    port = local_port(connection)
    assert (first.status, first.body, first.getheader("Connection")) == (200, b"got one", None)
    unread = exchange(connection, "POST", "/ignore", b"x" * 300_000)  # the app left the body: drained
    assert unread.body == b"body left unread" and local_port(connection) == port
    failed = exchange(connection, "GET", "/boom")
    assert failed.status == 500 and int(failed.getheader("Content-Length")) == len(failed.body)
    assert local_port(connection) == port
    streamed = exchange(connection, "GET", "/stream")
    assert streamed.getheader("Transfer-Encoding") == "chunked" and streamed.body == b"no length"
    last = exchange(connection, "POST", "/", b"two")
    assert last.body == b"got two" and local_port(connection) == port


def raw_exchange(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        raw.sendall(request)
        received = b""
        while chunk := raw.recv(65536):  # the server closes: the read ends
            received += chunk
    return received


def test_a_bad_request_gets_a_framed_answer_and_the_connection_closes_cleanly(server: BackgroundServer) -> None:
    answer = raw_exchange(server.port, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and b"Connection: close" in head
    assert f"Content-Length: {len(body)}".encode() in head


def test_a_client_asking_to_close_and_an_http_1_0_client_are_closed_after_the_answer(server: BackgroundServer) -> None:
    closing = raw_exchange(
        server.port, b"POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi"
    )
    assert closing.startswith(b"HTTP/1.1 200") and closing.endswith(b"got hi")
    old = raw_exchange(server.port, b"GET /stream HTTP/1.0\r\n\r\n")  # no chunking for HTTP/1.0: framed by the close
    assert old.endswith(b"no length") and b"chunked" not in old


def test_two_pipelined_requests_are_both_answered_on_one_connection(server: BackgroundServer) -> None:
    two = (
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\na"
        + b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nb"
    )
    answer = raw_exchange(server.port, two + b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.count(b"HTTP/1.1 200") == 3 and b"got a" in answer and b"got b" in answer


def test_stop_ends_idle_kept_alive_connections_at_once() -> None:
    running = BackgroundServer(echo, "127.0.0.1", 0).start()
    connections = [http.client.HTTPConnection("127.0.0.1", running.port, timeout=5) for _ in range(4)]
    for connection in connections:
        assert exchange(connection, "POST", "/", b"x").status == 200  # each one now idle, held open
    handlers = threading.active_count()
    started = time.monotonic()
    running.stop()
    assert time.monotonic() - started < 1.0
    deadline = time.monotonic() + 2
    while threading.active_count() > handlers - 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert threading.active_count() <= handlers - 4  # the handler threads of the idle connections ended


def test_answers_leave_without_waiting_for_nagle() -> None:
    """Headers and body go out in separate writes: on a kept-alive connection Nagle's algorithm would hold the
    body back until the client's delayed ACK (about 40 ms an answer), so the server's sockets set TCP_NODELAY."""

    @Request.application
    def nodelay(request: Request) -> Response:
        connection = request.environ["werkzeug.socket"]
        return Response(str(connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)))

    running = BackgroundServer(nodelay, "127.0.0.1", 0).start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", running.port, timeout=5)
        assert exchange(connection, "GET", "/").body != b"0"
    finally:
        running.stop()


def persistent(url: str) -> http.client.HTTPConnection:
    host, port = url.removeprefix("http://").split("/")[0].split(":")
    return http.client.HTTPConnection(host, int(port), timeout=60)


def test_every_stack_server_answers_twice_on_one_connection(stack: Any) -> None:
    endpoints = stack.endpoints
    requests_by_server = {
        "moto (SQS, JSON protocol)": (
            endpoints.moto,
            "POST",
            "/",
            json.dumps({"QueueNamePrefix": "salon"}).encode(),
            {"X-Amz-Target": "AmazonSQS.ListQueues", "Content-Type": "application/x-amz-json-1.0"},
        ),
        "HTTP API": (endpoints.api, "GET", "/health", None, {}),
        "AI endpoint": (
            endpoints.ai,
            "POST",
            "/",
            json.dumps({"Text": "Lovely colour", "LanguageCode": "en"}).encode(),
            {"X-Amz-Target": "Comprehend_20171127.DetectSentiment", "Content-Type": "application/x-amz-json-1.1"},
        ),
        "Lambda endpoint": (endpoints.lambda_, "GET", "/2015-03-31/functions/no-such-function/nowhere", None, {}),
        "events HTTP": (endpoints.events_http, "POST", "/event", b"{}", {"Content-Type": "application/json"}),
    }
    for name, (url, method, path, body, headers) in requests_by_server.items():
        connection = persistent(url)
        statuses, ports = [], []
        for _ in range(2):
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            assert response.getheader("Connection") != "close", name
            statuses.append(response.status)
            ports.append(local_port(connection))
        assert ports[0] == ports[1], f"{name}: a new connection for the second request"
        assert statuses[0] == statuses[1], name
        connection.close()
