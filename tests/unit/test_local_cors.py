"""The embedded HTTP API answers CORS as API Gateway does from the one configuration in functions/wiring.py."""

from __future__ import annotations

from typing import Any

from werkzeug.test import Client

from functions import wiring
from salon.local.http_api import JwtAuthorizer, make_app
from salon.local.stack import ROUTES

SITE = "https://gallery.example"


class AnsweringRegistry:
    """Stands in for the Lambda endpoint: every function answers 200 and records the call."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def invoke(self, name: str, event: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(name)
        return {"statusCode": 200, "body": "{}"}


def client() -> tuple[Client, AnsweringRegistry]:
    registry = AnsweringRegistry()
    authorizer = JwtAuthorizer("https://issuer.example", "https://issuer.example/jwks", ["client"])
    return Client(make_app(ROUTES, registry, authorizer, cors_origins=(SITE,))), registry  # type: ignore[arg-type]


def preflight(c: Client, path: str, origin: str = SITE) -> Any:
    return c.options(path, headers={"Origin": origin, "Access-Control-Request-Method": "POST"})


def test_a_preflight_from_the_site_gets_the_wirings_cors_without_calling_a_function() -> None:
    c, registry = client()
    answer = preflight(c, "/designs/d1/comments")
    assert answer.status_code == 204 and registry.calls == []
    assert answer.headers["access-control-allow-origin"] == SITE
    assert answer.headers["access-control-allow-methods"].split(",") == list(wiring.CORS.methods)
    assert answer.headers["access-control-allow-headers"].split(",") == list(wiring.CORS.headers)
    assert answer.headers["access-control-max-age"] == str(wiring.CORS.max_age_s)
    assert set(wiring.CORS.methods) == {r.method for r in wiring.ROUTES}


def test_another_origin_gets_no_cors_headers_and_an_unknown_path_is_not_found() -> None:
    c, _ = client()
    assert "access-control-allow-origin" not in preflight(c, "/designs", origin="https://evil.example").headers
    assert preflight(c, "/no/such/route").status_code == 404


def test_a_response_to_the_site_carries_its_origin() -> None:
    c, registry = client()
    answer = c.get("/health", headers={"Origin": SITE})
    assert answer.status_code == 200 and registry.calls == [wiring.ROUTES[0].function]
    assert answer.headers["access-control-allow-origin"] == SITE and answer.headers["vary"] == "Origin"
