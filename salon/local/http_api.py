"""Local HTTP API: API Gateway (HTTP API, payload 2.0) with a JWT authorizer, in front of the same handler.

Every route but the public ones (functions/wiring.py) requires a valid Cognito token, checked as the HTTP
API JWT authorizer does: RS256 signature
from the pool's JWKS, issuer, expiry, and `aud` (ID token) or `client_id` (access token) matching the app
client. The handler gets the claims in requestContext.authorizer.jwt.claims, stringified as on AWS.
Public routes (the gallery's reads) have no authorizer: as on AWS, the handler gets no claims even when a
token is sent. CORS as the HTTP API's CORS configuration: preflights are answered here, never by the handler.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from functions import wiring
from salon.local.lambda_endpoint import FunctionRegistry

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # an HTTP API refuses larger requests with 413


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # API Gateway style: /designs/{design_id}/comments
    function: str
    public: bool = False  # no authorizer (reading the published gallery needs no sign-in)

    @property
    def rule(self) -> str:
        return self.path.replace("{", "<").replace("}", ">")


class JwtAuthorizer:
    def __init__(self, issuer: str, jwks_url: str, audiences: list[str]) -> None:
        self.issuer, self.audiences = issuer, set(audiences)
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=True)

    def claims(self, authorization: str | None) -> dict[str, Any]:
        """Returns the verified claims or raises jwt.InvalidTokenError."""
        if not authorization:
            raise jwt.InvalidTokenError("no Authorization header")
        token = authorization.removeprefix("Bearer ").strip()
        key = self._jwks.get_signing_key_from_jwt(token).key
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            issuer=self.issuer,
            options={"verify_aud": False, "require": ["exp", "iss"]},
        )
        audience = claims.get("aud") or claims.get("client_id")
        if audience not in self.audiences:
            raise jwt.InvalidTokenError("token audience is not an allowed client")
        return claims


def _stringify(claims: dict[str, Any]) -> dict[str, str]:
    return {k: (f"[{' '.join(map(str, v))}]" if isinstance(v, list) else str(v)) for k, v in claims.items()}


def apigw_event(
    request: Request, route: Route, params: Any, claims: dict[str, Any] | None, raw: bytes | None = None
) -> dict[str, Any]:
    raw = request.get_data() if raw is None else raw
    try:  # like API Gateway: text bodies as they are, anything else base64-encoded
        body, encoded = (raw.decode("utf-8") if raw else None), False
    except UnicodeDecodeError:
        body, encoded = base64.b64encode(raw).decode(), True
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{route.method} {route.path}",
        "rawPath": request.path,
        "rawQueryString": request.query_string.decode(),
        "headers": {k.lower(): v for k, v in request.headers.items()},
        "queryStringParameters": dict(request.args) or None,
        "pathParameters": params or None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": request.host,
            "authorizer": {"jwt": {"claims": _stringify(claims or {}), "scopes": None}},
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": "HTTP/1.1",
                "sourceIp": request.remote_addr or "127.0.0.1",
                "userAgent": request.headers.get("User-Agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": f"{route.method} {route.path}",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "timeEpoch": int(time.time() * 1000),
        },
        "body": body,
        "isBase64Encoded": encoded,
    }
    if claims is None:  # a route without an authorizer: API Gateway sends no authorizer context
        del event["requestContext"]["authorizer"]
    return event


def cors_headers(request: Request, origins: tuple[str, ...]) -> dict[str, str]:
    origin = request.headers.get("Origin", "")
    return {"access-control-allow-origin": origin, "vary": "Origin"} if origin and origin in origins else {}


def preflight_headers(request: Request, origins: tuple[str, ...]) -> dict[str, str]:
    """As API Gateway answers a preflight: the API's one CORS configuration (functions/wiring.py CORS)."""
    headers = cors_headers(request, origins)
    if headers:
        headers.update(
            {
                "access-control-allow-methods": ",".join(wiring.CORS.methods),
                "access-control-allow-headers": ",".join(wiring.CORS.headers),
                "access-control-max-age": str(wiring.CORS.max_age_s),
            }
        )
    return headers


def read_payload(request: Request) -> bytes | None:
    """The body, or None past API Gateway's hard payload limit (checked before any work; a body without a
    length is read one byte past it)."""
    if (request.content_length or 0) > MAX_PAYLOAD_BYTES:
        return None
    raw = request.get_data() if request.content_length is not None else request.stream.read(MAX_PAYLOAD_BYTES + 1)
    return None if len(raw) > MAX_PAYLOAD_BYTES else raw


def make_app(
    routes: list[Route],
    registry: FunctionRegistry,
    authorizer: JwtAuthorizer,
    extra: dict[str, Callable[[Request], Response]] | None = None,
    cors_origins: tuple[str, ...] = (),
) -> Callable[..., Any]:
    url_map = Map([Rule(r.rule, endpoint=i, methods=[r.method]) for i, r in enumerate(routes)])
    one = [(r.method, Map([Rule(r.rule, endpoint="r")]).bind("local")) for r in routes]

    def cors(request: Request) -> dict[str, str]:
        return cors_headers(request, cors_origins)

    def preflight(request: Request) -> Response:
        """API Gateway answers a CORS preflight for any route path, without calling the integration."""
        if not any(adapter.test(request.path) for _, adapter in one):
            return message(404, "Not Found")
        return Response(b"", 204, preflight_headers(request, cors_origins))

    def message(status: int, text: str, headers: dict[str, str] | None = None) -> Response:
        return Response(json.dumps({"message": text}), status, headers, content_type="application/json")

    def handle(request: Request) -> Response:
        for prefix, view in (extra or {}).items():
            if request.path.startswith(prefix):
                return view(request)
        if request.method == "OPTIONS" and request.headers.get("Access-Control-Request-Method"):
            return preflight(request)
        raw = read_payload(request)
        if raw is None:
            return message(413, "Request Entity Too Large")
        try:
            index, params = url_map.bind_to_environ(request.environ).match()
        except Exception:
            return message(404, "Not Found")
        route = routes[index]
        claims = None
        if not route.public:
            try:
                claims = authorizer.claims(request.headers.get("Authorization"))
            except (jwt.InvalidTokenError, jwt.PyJWKClientError):
                return message(401, "Unauthorized", {"www-authenticate": 'Bearer error="invalid_token"'})
        event = apigw_event(request, route, params, claims, raw)
        try:
            result = registry.invoke(route.function, event)
        except Exception:  # an unhandled function error is a 500 Internal Server Error on API Gateway
            return message(500, "Internal Server Error")
        body = result.get("body") or ""
        data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
        return Response(data, result.get("statusCode", 200), {**(result.get("headers") or {}), **cors(request)})

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        return handle(Request(environ))(environ, start_response)

    return app
