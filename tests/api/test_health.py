"""GET /health: the one public route (functions/wiring.py), answered without a token on both targets."""

from __future__ import annotations

from functions import names


def test_health_answers_without_a_token(client):
    response = client.api("GET", "/health", None)
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ok"}


def test_health_ignores_a_bad_token_and_other_routes_still_need_one(client):
    assert client.api("GET", "/health", "not-a-jwt").status_code == 200
    assert client.api("GET", "/insights", None).status_code == 401
    assert client.api("POST", "/health", client.token("dana", names.GROUP_DESIGNER)).status_code in (404, 405)
