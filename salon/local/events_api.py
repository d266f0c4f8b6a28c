"""Local AWS AppSync Events endpoint: HTTP `POST /event` and the WebSocket `/event/realtime` protocol.

As on AWS there are two endpoints (the HTTP domain and the real-time domain), here two loopback ports.
Authorization as the CDK app configures the API (infra/live.py):
- connect: the `header-<base64url JSON>` subprotocol carries an API key (`x-api-key`), a Cognito JWT
  (`Authorization`) or SigV4 headers;
- subscribe: the public namespaces (gallery, designs) take the subscribe-only API key or a Cognito JWT; the
  private `designers` namespace takes only a Cognito JWT (checked as the HTTP API checks it) and then the
  namespace's onSubscribe rule (that designer or the owner group);
- publish (HTTP or WebSocket): a valid SigV4 signature (service `appsync`) only; the API key never publishes.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import logging
import re
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, Protocol

import jwt
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request as WsRequest
from websockets.http11 import Response as WsResponse
from websockets.typing import Subprotocol
from werkzeug.wrappers import Request, Response

from functions.domain import live

log = logging.getLogger(__name__)
SUBPROTOCOL = "aws-appsync-event-ws"
REALTIME_PATH = "/event/realtime"
CONNECTION_TIMEOUT_MS = 300_000
MAX_CLOCK_SKEW_S = 300
_AUTH_HEADER = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<day>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request,"
    r"\s*SignedHeaders=(?P<signed>[a-z0-9;-]+),\s*Signature=(?P<sig>[0-9a-f]{64})"
)


class Unauthorized(Exception):
    pass


class ClaimsVerifier(Protocol):
    """Verifies a Cognito JWT as the HTTP API authorizer does (salon/local/http_api.py JwtAuthorizer)."""

    def claims(self, authorization: str | None) -> dict[str, Any]: ...


def _error(error_type: str, message: str) -> dict[str, str]:
    return {"errorType": error_type, "message": message}


@dataclass
class Identity:
    """Who is calling: `mode` is API_KEY, AMAZON_COGNITO_USER_POOLS or AWS_IAM."""

    mode: str
    sub: str = ""
    groups: list[str] = field(default_factory=list)

    def as_ctx(self) -> dict[str, Any] | None:
        """ctx.identity as AppSync hands it to handlers (null for an API key)."""
        if self.mode != "AMAZON_COGNITO_USER_POOLS":
            return None
        return {"sub": self.sub, "groups": self.groups}


@dataclass
class EventsAuth:
    api_key: str
    jwt_authorizer: ClaimsVerifier | None
    credentials: Mapping[str, str]  # access key id -> secret key (the local publisher's)
    region: str
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def identify(self, headers: Mapping[str, str], method: str = "POST", url: str = "", body: bytes = b"") -> Identity:
        """Accepts the first auth mode present; raises Unauthorized when it does not verify."""
        lower = {str(k).lower(): str(v) for k, v in headers.items()}
        if "x-api-key" in lower:
            if not hmac.compare_digest(lower["x-api-key"], self.api_key):
                raise Unauthorized("The API key is not valid.")
            return Identity("API_KEY")
        authorization = lower.get("authorization", "")
        if authorization.startswith("AWS4-HMAC-SHA256"):
            self.verify_sigv4(lower, method, url, body)
            return Identity("AWS_IAM")
        if authorization and self.jwt_authorizer is not None:
            try:
                claims = self.jwt_authorizer.claims(authorization)
            except (jwt.InvalidTokenError, jwt.PyJWKClientError) as exc:
                raise Unauthorized("The token is not valid.") from exc
            groups = claims.get("cognito:groups") or []
            return Identity("AMAZON_COGNITO_USER_POOLS", str(claims.get("sub", "")), [str(g) for g in groups])
        raise Unauthorized("No authorization headers.")

    def verify_sigv4(self, headers: Mapping[str, str], method: str, url: str, body: bytes) -> None:
        match = _AUTH_HEADER.fullmatch(headers.get("authorization", "").strip())
        if not match:
            raise Unauthorized("Malformed SigV4 Authorization header.")
        if match["service"] != "appsync" or match["region"] != self.region:
            raise Unauthorized("The signature is for another service or region.")
        secret = self.credentials.get(match["key"])
        if secret is None:
            raise Unauthorized("Unknown access key.")
        amz_date = headers.get("x-amz-date", "")
        try:
            signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError as exc:
            raise Unauthorized("Missing or malformed X-Amz-Date.") from exc
        if abs((self.now() - signed_at).total_seconds()) > MAX_CLOCK_SKEW_S or match["day"] != amz_date[:8]:
            raise Unauthorized("Signature expired or not yet valid.")
        signed = match["signed"].split(";")
        if "host" not in signed or any(name not in headers for name in signed):
            raise Unauthorized("A signed header is missing.")
        content_sha = headers.get("x-amz-content-sha256")
        if content_sha and content_sha != hashlib.sha256(body).hexdigest():
            raise Unauthorized("The body does not match its signed hash.")
        request = AWSRequest(method=method, url=url, data=body, headers={n: headers[n] for n in signed})
        request.context["timestamp"] = amz_date
        signer = SigV4Auth(
            Credentials(match["key"], secret, headers.get("x-amz-security-token")), "appsync", self.region
        )
        string_to_sign = signer.string_to_sign(request, signer.canonical_request(request))
        if not hmac.compare_digest(signer.signature(string_to_sign, request), match["sig"]):
            raise Unauthorized("The request signature does not match.")


def authorize_subscribe(identity: Identity, channel: list[str]) -> None:
    """The namespace's subscribe auth modes, then its onSubscribe handler."""
    namespace = channel[0]
    if namespace in live.PUBLIC_NAMESPACES:
        if identity.mode not in ("API_KEY", "AMAZON_COGNITO_USER_POOLS"):
            raise Unauthorized("This namespace takes the API key or a user pool token.")
        return
    if namespace == live.NS_DESIGNERS:
        if identity.mode != "AMAZON_COGNITO_USER_POOLS":
            raise Unauthorized("This namespace needs a user pool token.")
        if not live.designer_channel_allowed(channel, identity.as_ctx()):
            raise Unauthorized("You are not authorized to subscribe to this channel.")
        return
    raise live.ChannelError(f"No channel namespace {namespace!r}.")


def check_events(events: Any) -> list[str]:
    """1-5 events, each a string holding valid JSON of at most 240 KB."""
    if not isinstance(events, list) or not 1 <= len(events) <= live.MAX_EVENTS_PER_PUBLISH:
        raise ValueError(f"events must be a list of 1 to {live.MAX_EVENTS_PER_PUBLISH} JSON strings.")
    for event in events:
        if not isinstance(event, str):
            raise ValueError("Each event must be a stringified JSON value.")
        if len(event.encode()) > live.MAX_EVENT_BYTES:
            raise ValueError(f"An event is larger than {live.MAX_EVENT_BYTES} bytes.")
        try:
            json.loads(event)
        except ValueError as exc:
            raise ValueError("Each event must be valid JSON.") from exc
    return events


def decode_header_subprotocol(offered: list[str]) -> dict[str, str]:
    for protocol in offered:
        if protocol.startswith("header-"):
            encoded = protocol.removeprefix("header-")
            try:
                headers = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
            except (ValueError, binascii.Error) as exc:
                raise Unauthorized("The header subprotocol is not base64url JSON.") from exc
            if not isinstance(headers, dict):
                raise Unauthorized("The header subprotocol is not a JSON object.")
            return {str(k): str(v) for k, v in headers.items()}
    raise Unauthorized("No header-<base64url> subprotocol with the authorization headers.")


class Hub:
    """Subscriptions of the open connections, on the real-time server's event loop."""

    def __init__(self) -> None:
        self.subscriptions: dict[ServerConnection, dict[str, list[str]]] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self.delivered = 0

    async def broadcast(self, channel: list[str], events: list[str]) -> None:
        for connection, subs in list(self.subscriptions.items()):
            for sub_id, path in list(subs.items()):
                if live.matches(path, channel):
                    for event in events:
                        try:
                            await connection.send(json.dumps({"type": "data", "id": sub_id, "event": event}))
                            self.delivered += 1
                        except ConnectionClosed:
                            break

    def publish_threadsafe(self, channel: list[str], events: list[str]) -> None:
        if self.loop is None or self.loop.is_closed():
            return  # the real-time endpoint is down: like AWS with no subscriber, the events are not kept
        future = asyncio.run_coroutine_threadsafe(self.broadcast(channel, events), self.loop)
        try:
            future.result(timeout=5)
        except Exception:
            log.warning("broadcast to %s did not finish", "/".join(channel))


def publish_result(events: list[str]) -> dict[str, Any]:
    return {"successful": [{"identifier": str(uuid.uuid4()), "index": i} for i in range(len(events))], "failed": []}


def make_http_app(auth: EventsAuth, hub: Hub) -> Callable[..., Any]:
    """POST /event: {"channel", "events": [json strings]} signed with SigV4 -> {"successful", "failed"}."""

    def answer(status: int, document: Any) -> Response:
        return Response(json.dumps(document), status, content_type="application/json")

    def handle(request: Request) -> Response:
        if request.path != "/event":
            return answer(404, {"errors": [_error("NotFoundException", "Not found.")]})
        if request.method != "POST":
            return answer(405, {"errors": [_error("BadRequestException", "Use POST.")]})
        body = request.get_data()
        try:
            auth.verify_sigv4(
                {k.lower(): v for k, v in request.headers.items()}, "POST", f"http://{request.host}/event", body
            )
        except Unauthorized as exc:
            return answer(401, {"errors": [_error("UnauthorizedException", str(exc))]})
        try:
            document = json.loads(body)
            if not isinstance(document, dict):
                raise ValueError("The body must be a JSON object.")
            channel = live.segments(document.get("channel"))  # type: ignore[arg-type]
            if channel[0] not in live.NAMESPACES:
                raise live.ChannelError(f"No channel namespace {channel[0]!r}.")
            events = check_events(document.get("events"))
        except (ValueError, live.ChannelError) as exc:
            return answer(400, {"errors": [_error("BadRequestException", str(exc))]})
        hub.publish_threadsafe(channel, events)
        return answer(200, publish_result(events))

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        return handle(Request(environ))(environ, start_response)

    return app


class RealtimeServer:
    """The WebSocket endpoint on its own event loop thread; stop() and start() again on the same port."""

    def __init__(
        self, auth: EventsAuth, hub: Hub, host: str, port: int, keepalive_s: float = 60.0, http_host: str = ""
    ) -> None:
        self.auth, self.hub, self.host, self.port, self.keepalive_s = auth, hub, host, port, keepalive_s
        self.http_host = http_host
        self._server: Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}{REALTIME_PATH}"

    def start(self) -> RealtimeServer:
        loop = self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        failure: list[BaseException] = []

        async def open_server() -> None:
            self._server = await serve(
                self._connection,
                self.host,
                self.port,
                process_request=self._check_request,
                select_subprotocol=lambda _c, offered: Subprotocol(SUBPROTOCOL) if SUBPROTOCOL in offered else None,
                ping_interval=None,  # AppSync keeps connections alive with "ka" messages instead
                max_size=1024 * 1024,
            )
            self.port = self._server.sockets[0].getsockname()[1]

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(open_server())
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                return
            self.hub.loop = loop
            ready.set()
            loop.run_forever()

        self._thread = threading.Thread(target=run, name=f"events-realtime-{self.port}", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        loop, server = self._loop, self._server
        if loop is None or server is None:
            return

        async def close() -> None:
            server.close()  # closes every open connection (1001 going away)
            await server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), loop).result(timeout=10)
        self.hub.loop = None
        self.hub.subscriptions.clear()
        loop.call_soon_threadsafe(loop.stop)
        if self._thread:
            self._thread.join(timeout=5)
        loop.close()
        self._server = self._loop = None

    def _check_request(self, connection: ServerConnection, request: WsRequest) -> WsResponse | None:
        if request.path.split("?", 1)[0] != REALTIME_PATH:
            return connection.respond(HTTPStatus.NOT_FOUND, "Not found.\n")
        offered = [p.strip() for value in request.headers.get_all("Sec-WebSocket-Protocol") for p in value.split(",")]
        if SUBPROTOCOL not in offered:
            return connection.respond(HTTPStatus.BAD_REQUEST, f"The {SUBPROTOCOL} subprotocol is required.\n")
        try:  # a SigV4-signed connect signs POST /event with the body "{}", as AWS documents
            self.auth.identify(decode_header_subprotocol(offered), "POST", f"http://{self.http_host}/event", b"{}")
        except Unauthorized as exc:
            return connection.respond(HTTPStatus.UNAUTHORIZED, f"{exc}\n")
        return None

    async def _connection(self, connection: ServerConnection) -> None:
        subs: dict[str, list[str]] = {}
        self.hub.subscriptions[connection] = subs
        keepalive: asyncio.Task[None] | None = None
        try:
            async for raw in connection:
                reply = await self._message(subs, raw)
                if reply is None:
                    continue
                await connection.send(json.dumps(reply))
                if reply["type"] == "connection_ack" and keepalive is None:
                    keepalive = asyncio.create_task(self._keepalive(connection))
        except ConnectionClosed:
            pass
        finally:
            self.hub.subscriptions.pop(connection, None)
            if keepalive:
                keepalive.cancel()

    async def _keepalive(self, connection: ServerConnection) -> None:
        try:
            while True:
                await connection.send(json.dumps({"type": "ka"}))
                await asyncio.sleep(self.keepalive_s)
        except ConnectionClosed:
            return

    async def _message(self, subs: dict[str, list[str]], raw: Any) -> dict[str, Any] | None:
        try:
            message = json.loads(raw)
            if not isinstance(message, dict):
                raise ValueError
        except ValueError:
            return {"type": "error", "errors": [_error("BadRequestException", "Messages are JSON objects.")]}
        kind, ident = message.get("type"), str(message.get("id") or "")
        if kind == "connection_init":
            return {"type": "connection_ack", "connectionTimeoutMs": CONNECTION_TIMEOUT_MS}
        if kind in ("subscribe", "unsubscribe", "publish") and not 0 < len(ident) <= 128:
            return {"type": "error", "errors": [_error("BadRequestException", "The message needs a string id.")]}
        if kind == "subscribe":
            return self._subscribe(subs, ident, message)
        if kind == "unsubscribe":
            if subs.pop(ident, None) is None:
                errors = [_error("UnknownOperationError", "No subscription with this id.")]
                return {"type": "unsubscribe_error", "id": ident, "errors": errors}
            return {"type": "unsubscribe_success", "id": ident}
        if kind == "publish":
            return await self._publish(ident, message)
        return {"type": "error", "errors": [_error("UnsupportedOperation", f"Unknown message type {kind!r}.")]}

    def _subscribe(self, subs: dict[str, list[str]], ident: str, message: dict[str, Any]) -> dict[str, Any]:
        def refused(error_type: str, text: str) -> dict[str, Any]:
            return {"type": "subscribe_error", "id": ident, "errors": [_error(error_type, text)]}

        if ident in subs:
            return refused("BadRequestException", "A subscription with this id already exists.")
        try:
            channel = live.segments(message.get("channel"), wildcard=True)  # type: ignore[arg-type]
            headers = message.get("authorization")
            if not isinstance(headers, dict):
                raise Unauthorized("The subscribe message needs its authorization headers.")
            authorize_subscribe(self.auth.identify(headers), channel)
        except live.ChannelError as exc:
            return refused("BadRequestException", str(exc))
        except Unauthorized as exc:
            return refused("UnauthorizedException", str(exc))
        subs[ident] = channel
        return {"type": "subscribe_success", "id": ident}

    async def _publish(self, ident: str, message: dict[str, Any]) -> dict[str, Any]:
        def refused(error_type: str, text: str) -> dict[str, Any]:
            return {"type": "publish_error", "id": ident, "errors": [_error(error_type, text)]}

        try:
            channel = live.segments(message.get("channel"))  # type: ignore[arg-type]
            if channel[0] not in live.NAMESPACES:
                raise live.ChannelError(f"No channel namespace {channel[0]!r}.")
            events = check_events(message.get("events"))
            headers = message.get("authorization")
            if not isinstance(headers, dict):
                raise Unauthorized("The publish message needs its authorization headers.")
            body = json.dumps({"channel": message["channel"], "events": events}).encode()
            identity = self.auth.identify(headers, "POST", f"http://{self.http_host}/event", body)
            if identity.mode != "AWS_IAM":
                raise Unauthorized("Publishing needs a SigV4 signature.")
        except (live.ChannelError, ValueError) as exc:
            return refused("BadRequestException", str(exc))
        except Unauthorized as exc:
            return refused("UnauthorizedException", str(exc))
        await self.hub.broadcast(channel, events)
        return {"type": "publish_success", "id": ident, **publish_result(events)}


class EventsEndpoint:
    """Both endpoints of the local Event API; the real-time one can be restarted on its port."""

    def __init__(self, auth: EventsAuth, host: str, http_port: int, realtime_port: int, keepalive_s: float = 60.0):
        from salon.local.httpserver import BackgroundServer

        self.auth, self.hub = auth, Hub()
        self.http = BackgroundServer(make_http_app(auth, self.hub), host, http_port)
        self.realtime = RealtimeServer(auth, self.hub, host, realtime_port, keepalive_s, f"{host}:{self.http.port}")

    @property
    def http_url(self) -> str:
        return f"{self.http.url}/event"

    def start(self) -> EventsEndpoint:
        self.http.start()
        self.realtime.start()
        return self

    def restart_realtime(self) -> None:
        """Drops every WebSocket connection and listens again on the same port (tests: a page reconnects)."""
        self.realtime.stop()
        self.realtime.start()

    def stop(self) -> None:
        self.realtime.stop()
        self.http.stop()
