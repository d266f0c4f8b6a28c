"""The local AppSync Events endpoint against the documented protocol shapes (HTTP publish, WebSocket)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import jwt
import pytest
import requests
from botocore.credentials import Credentials
from cryptography.hazmat.primitives.asymmetric import rsa
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from functions.adapters.live_events import PublishFailed, publish_events, signed_request
from salon.local.events_api import EventsAuth, EventsEndpoint

API_KEY = "da2-testkey0000000000000000"
REGION = "us-east-1"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class RsaVerifier:
    """A fake user pool: tokens signed with one RSA key, checked like the HTTP API (signature, expiry, aud)."""

    def claims(self, authorization: str | None) -> dict[str, Any]:
        token = (authorization or "").removeprefix("Bearer ").strip()
        result: dict[str, Any] = jwt.decode(token, KEY.public_key(), algorithms=["RS256"], audience="web")
        return result


def token(sub: str, groups: list[str] | None = None) -> str:
    claims = {"sub": sub, "aud": "web", "exp": 4102444800, "iss": "local", "cognito:groups": groups or []}
    return jwt.encode(claims, KEY, algorithm="RS256")


@pytest.fixture(scope="module")
def endpoint() -> Iterator[EventsEndpoint]:
    auth = EventsAuth(API_KEY, RsaVerifier(), {"AKIDLOCAL": "local-secret"}, REGION)
    events = EventsEndpoint(auth, "127.0.0.1", 0, 0, keepalive_s=0.3).start()
    yield events
    events.stop()


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> Credentials:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDLOCAL")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local-secret")
    return Credentials("AKIDLOCAL", "local-secret")


def header_protocol(headers: dict[str, str]) -> str:
    return "header-" + base64.urlsafe_b64encode(json.dumps(headers).encode()).decode().rstrip("=")


@contextmanager
def open_ws(endpoint: EventsEndpoint, headers: dict[str, str] | None = None) -> Iterator[ClientConnection]:
    auth = headers or {"x-api-key": API_KEY, "host": "local"}
    protocols: list[Any] = ["aws-appsync-event-ws", header_protocol(auth)]
    with connect(endpoint.realtime.url, subprotocols=protocols) as ws:
        ws.send(json.dumps({"type": "connection_init"}))
        yield ws


def recv(ws: ClientConnection, skip_ka: bool = True) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(ws.recv(timeout=5))
        if not (skip_ka and message["type"] == "ka"):
            return message


def post(endpoint: EventsEndpoint, channel: str, events: list[str], credentials: Credentials) -> requests.Response:
    prepared = signed_request(endpoint.http_url, REGION, channel, events, credentials).prepare()
    return requests.post(prepared.url, data=prepared.body, headers=dict(prepared.headers), timeout=5)


def test_connect_echoes_the_subprotocol_and_acks_with_keepalives(endpoint: EventsEndpoint) -> None:
    with open_ws(endpoint) as ws:
        assert ws.subprotocol == "aws-appsync-event-ws"
        assert recv(ws) == {"type": "connection_ack", "connectionTimeoutMs": 300000}
        assert recv(ws, skip_ka=False) == {"type": "ka"}


@pytest.mark.parametrize(
    "protocols",
    [
        ["aws-appsync-event-ws"],  # no auth headers
        ["aws-appsync-event-ws", header_protocol({"x-api-key": "da2-wrong"})],
        ["aws-appsync-event-ws", header_protocol({"Authorization": "not-a-jwt"})],
        [header_protocol({"x-api-key": API_KEY})],  # the protocol itself missing
    ],
)
def test_connect_without_valid_auth_is_refused(endpoint: EventsEndpoint, protocols: list[str]) -> None:
    with pytest.raises(InvalidStatus) as refused, connect(endpoint.realtime.url, subprotocols=protocols):  # type: ignore[arg-type]
        pass
    assert refused.value.response.status_code in (400, 401)


def test_subscribe_publish_data_unsubscribe(endpoint: EventsEndpoint, creds: Credentials) -> None:
    with open_ws(endpoint) as ws:
        recv(ws)
        ws.send(
            json.dumps(
                {
                    "type": "subscribe",
                    "id": "s1",
                    "channel": "/gallery/designs",
                    "authorization": {"x-api-key": API_KEY},
                }
            )
        )
        assert recv(ws) == {"type": "subscribe_success", "id": "s1"}
        events = [json.dumps({"designId": "d1"}), json.dumps({"designId": "d2"})]
        answer = post(endpoint, "/gallery/designs", events, creds)
        assert answer.status_code == 200
        body = answer.json()
        assert body["failed"] == [] and [s["index"] for s in body["successful"]] == [0, 1]
        assert all(s["identifier"] for s in body["successful"])
        assert recv(ws) == {"type": "data", "id": "s1", "event": events[0]}
        assert recv(ws) == {"type": "data", "id": "s1", "event": events[1]}
        ws.send(json.dumps({"type": "unsubscribe", "id": "s1"}))
        assert recv(ws) == {"type": "unsubscribe_success", "id": "s1"}
        ws.send(json.dumps({"type": "unsubscribe", "id": "s1"}))
        assert recv(ws)["type"] == "unsubscribe_error"


def test_wildcard_subscription_and_other_channels(endpoint: EventsEndpoint, creds: Credentials) -> None:
    with open_ws(endpoint) as ws:
        recv(ws)
        auth = {"x-api-key": API_KEY}
        ws.send(json.dumps({"type": "subscribe", "id": "w", "channel": "/designs/*", "authorization": auth}))
        assert recv(ws)["type"] == "subscribe_success"
        post(endpoint, "/gallery/designs", ['{"not":"for w"}'], creds).raise_for_status()
        post(endpoint, "/designs/abc", ['{"meter":1}'], creds).raise_for_status()
        assert recv(ws) == {"type": "data", "id": "w", "event": '{"meter":1}'}


def test_publish_needs_sigv4_and_valid_events(endpoint: EventsEndpoint, creds: Credentials) -> None:
    body = json.dumps({"channel": "/gallery/designs", "events": ["{}"]})
    unsigned = requests.post(endpoint.http_url, data=body, headers={"x-api-key": API_KEY}, timeout=5)
    assert unsigned.status_code == 401 and unsigned.json()["errors"][0]["errorType"] == "UnauthorizedException"
    wrong = post(endpoint, "/gallery/designs", ["{}"], Credentials("AKIDLOCAL", "not-the-secret"))
    assert wrong.status_code == 401
    prepared = signed_request(endpoint.http_url, REGION, "/gallery/designs", ["{}"], creds).prepare()
    tampered = requests.post(
        prepared.url, data=prepared.body.replace(b"{}", b"[]"), headers=dict(prepared.headers), timeout=5
    )
    assert tampered.status_code == 401
    for channel, events in (
        ("/gallery/designs", ["{}"] * 6),  # at most 5
        ("/gallery/designs", ["not json"]),
        ("/gallery/designs", [{"an": "object, not a string"}]),
        ("/nowhere/x", ["{}"]),
        ("/gallery/*", ["{}"]),  # no wildcard publish
        ("/gallery/designs", ['"' + "x" * (240 * 1024) + '"']),
    ):
        answer = post(endpoint, channel, events, creds)  # type: ignore[arg-type]
        assert answer.status_code == 400, (channel, answer.text)
        assert answer.json()["errors"][0]["errorType"] == "BadRequestException"


def test_publisher_adapter_signs_batches_of_five(endpoint: EventsEndpoint, creds: Credentials) -> None:
    with open_ws(endpoint) as ws:
        recv(ws)
        ws.send(
            json.dumps(
                {"type": "subscribe", "id": "m", "channel": "/designs/d7", "authorization": {"x-api-key": API_KEY}}
            )
        )
        recv(ws)
        publish_events(endpoint.http_url, REGION, "/designs/d7", [{"n": i} for i in range(7)])
        assert [json.loads(recv(ws)["event"])["n"] for _ in range(7)] == list(range(7))
    with pytest.raises(ValueError, match="over"):
        publish_events(endpoint.http_url, REGION, "/designs/d7", [{"big": "x" * (240 * 1024)}])


def test_publisher_adapter_reports_refusals(endpoint: EventsEndpoint, creds: Credentials) -> None:
    with pytest.raises(PublishFailed, match="400"):
        publish_events(endpoint.http_url, REGION, "/nowhere/x", [{"n": 1}])


def test_designers_namespace_needs_the_designer_or_owner_and_the_connection_stays_up(endpoint: EventsEndpoint) -> None:
    with open_ws(endpoint, {"Authorization": token("sub-a", ["designer"])}) as ws:
        recv(ws)

        def subscribe(ident: str, channel: str, auth: dict[str, str]) -> dict[str, Any]:
            ws.send(json.dumps({"type": "subscribe", "id": ident, "channel": channel, "authorization": auth}))
            return recv(ws)

        mine = subscribe("1", "/designers/sub-a", {"Authorization": token("sub-a", ["designer"])})
        assert mine == {"type": "subscribe_success", "id": "1"}
        theirs = subscribe("2", "/designers/sub-b", {"Authorization": token("sub-a", ["designer"])})
        assert theirs["type"] == "subscribe_error" and theirs["id"] == "2"
        assert theirs["errors"][0]["errorType"] == "UnauthorizedException"
        with_key = subscribe("3", "/designers/sub-a", {"x-api-key": API_KEY})
        assert with_key["errors"][0]["errorType"] == "UnauthorizedException"
        owner = subscribe("4", "/designers/sub-b", {"Authorization": token("sub-o", ["owner"])})
        assert owner["type"] == "subscribe_success"
        assert subscribe("1", "/gallery/designs", {"x-api-key": API_KEY})["type"] == "subscribe_error"  # id in use
        bad = subscribe("5", "/gallery/no spaces", {"x-api-key": API_KEY})
        assert bad["errors"][0]["errorType"] == "BadRequestException"
        ws.send("not json")
        assert recv(ws)["type"] == "error"
        ws.send(json.dumps({"type": "telepathy", "id": "6"}))
        assert recv(ws)["type"] == "error"
        assert subscribe("7", "/designs/d1", {"x-api-key": API_KEY})["type"] == "subscribe_success"  # still up


def test_websocket_publish_needs_iam(endpoint: EventsEndpoint) -> None:
    with open_ws(endpoint) as ws:
        recv(ws)
        message = {"type": "publish", "id": "p1", "channel": "/gallery/designs", "events": ["{}"]}
        ws.send(json.dumps({**message, "authorization": {"x-api-key": API_KEY}}))
        answer = recv(ws)
        assert answer["type"] == "publish_error" and answer["errors"][0]["errorType"] == "UnauthorizedException"


def test_restart_drops_connections_and_listens_on_the_same_port(endpoint: EventsEndpoint) -> None:
    port = endpoint.realtime.port
    with open_ws(endpoint) as ws:
        recv(ws)
        endpoint.restart_realtime()
        with pytest.raises(ConnectionClosed):
            for _ in range(20):
                recv(ws)
    assert endpoint.realtime.port == port
    with open_ws(endpoint) as again:
        assert recv(again)["type"] == "connection_ack"
