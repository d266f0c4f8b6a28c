"""POST /designs/{id}/comments: validation and refusals with clear errors; nothing accepted is lost."""

from __future__ import annotations

import pytest
import requests

from functions import names
from tests.conftest import jpeg


@pytest.fixture(scope="module")
def design(client, stack, tmp_path_factory) -> str:
    stack.ai.script(
        "DetectLabels",
        [{"result": {"Labels": [{"Name": "Manicure", "Confidence": 96.0, "Parents": []}]}}],
        match="/api-designer/",
    )
    path = tmp_path_factory.mktemp("design") / "d.jpg"
    path.write_bytes(jpeg())
    return str(client.upload(path, "api-designer", wait=True)["photoId"])


@pytest.fixture(scope="module")
def token(client):
    return client.token("api-customer", names.GROUP_CUSTOMER)


def post(client, design, token, body, raw: bytes | None = None):
    url = f"{client.endpoints.api}/designs/{design}/comments"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if raw is not None:
        return requests.post(url, data=raw, headers=headers, timeout=10)
    return requests.post(url, json=body, headers=headers, timeout=10)


def test_accepted_comment_returns_its_id_and_execution(client, design, token):
    response = post(client, design, token, {"text": "Beautiful!"})
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "received" and body["execution"] == f"comment-{body['commentId']}"


def test_oversize_text_is_refused_with_the_numbers(client, design, token):
    response = post(client, design, token, {"text": "é" * 2501})  # 5,002 bytes of UTF-8
    assert response.status_code == 400 and "5002 bytes" in response.json()["message"]
    assert post(client, design, token, {"text": "é" * 2500}).status_code == 202  # exactly 5,000 bytes


def test_invalid_utf8_is_refused(client, design, token):
    response = post(client, design, token, None, raw=b'{"text": "caf\xe9"}')
    assert response.status_code == 400 and "UTF-8" in response.json()["message"]


def test_control_characters_only_is_empty(client, design, token):
    response = post(client, design, token, {"text": "\x00\x07\u200b \r\n"})
    assert response.status_code == 400 and "empty" in response.json()["message"]


def test_missing_or_extra_fields_are_refused(client, design, token):
    assert post(client, design, token, {}).status_code == 400
    assert post(client, design, token, {"text": "ok", "rating": 5}).status_code == 400


def test_unknown_and_unpublished_designs_are_404(client, stack, token, tmp_path):
    assert post(client, "no-such-design", token, {"text": "hi"}).status_code == 404
    stack.ai.script("DetectLabels", [{"result": {"Labels": []}}], match="/api-rejected/")
    path = tmp_path / "r.jpg"
    path.write_bytes(jpeg())
    rejected = client.upload(path, "api-rejected", wait=True)
    assert rejected["verdict"] == "rejected"
    response = post(client, rejected["photoId"], token, {"text": "hi"})
    assert response.status_code == 404 and "not published" in response.json()["message"]


def test_designers_cannot_comment_and_tokens_are_required(client, design):
    designer = client.token("api-designer", names.GROUP_DESIGNER)
    assert post(client, design, designer, {"text": "hi"}).status_code == 403
    assert (
        requests.post(f"{client.endpoints.api}/designs/{design}/comments", json={"text": "hi"}, timeout=10).status_code
        == 401
    )
