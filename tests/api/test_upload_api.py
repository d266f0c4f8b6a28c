"""POST /uploads through the local HTTP API: real Cognito tokens, the JWT authorizer, the real handler."""

from __future__ import annotations

import base64
import json

import jwt
import pytest
import requests

from functions import names


@pytest.fixture(scope="module")
def designer_token(client):
    return client.token("dana", names.GROUP_DESIGNER)


def policy_of(grant):
    return json.loads(base64.b64decode(grant["fields"]["policy"]))


def test_designer_gets_a_presigned_post_pinning_key_type_size_and_identity(client, designer_token):
    response = client.api("POST", "/uploads", designer_token, {"contentType": "image/png"})
    assert response.status_code == 201, response.text
    grant = response.json()
    assert grant["key"] == f"uploads/dana/{grant['photoId']}.png"
    conditions = policy_of(grant)["conditions"]
    assert {"key": grant["key"]} in conditions and {"Content-Type": "image/png"} in conditions
    assert ["content-length-range", 1, grant["maxBytes"]] in conditions
    uploader = next(c["x-amz-meta-uploader"] for c in conditions if isinstance(c, dict) and "x-amz-meta-uploader" in c)
    assert json.loads(uploader) == {
        "email": "dana@salon.example",
        "sub": json.loads(uploader)["sub"],
        "username": "dana",
    }


def test_no_token_is_refused(client):
    response = client.api("POST", "/uploads", None, {"contentType": "image/jpeg"})
    assert response.status_code == 401 and response.json() == {"message": "Unauthorized"}


def test_tampered_token_is_refused(client, designer_token):
    header, payload, signature = designer_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["cognito:groups"] = ["owner"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    response = client.api("POST", "/uploads", f"{header}.{forged}.{signature}", {"contentType": "image/jpeg"})
    assert response.status_code == 401


def test_token_signed_by_someone_else_is_refused(client, designer_token):
    claims = jwt.decode(designer_token, options={"verify_signature": False})
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = jwt.get_unverified_header(designer_token)["kid"]
    forged = jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})
    assert client.api("POST", "/uploads", forged, {"contentType": "image/jpeg"}).status_code == 401


def test_wrong_content_type_is_refused_with_a_clear_error(client, designer_token):
    response = client.api("POST", "/uploads", designer_token, {"contentType": "image/gif"})
    assert response.status_code == 400
    assert "contentType" in response.json()["message"]


def test_body_must_be_json(client, designer_token):
    response = requests.post(
        client.endpoints.api + "/uploads",
        data="not json",
        headers={"Authorization": f"Bearer {designer_token}"},
        timeout=10,
    )
    assert response.status_code == 400


def test_customer_cannot_upload(client):
    token = client.token("carl", names.GROUP_CUSTOMER)
    response = client.api("POST", "/uploads", token, {"contentType": "image/jpeg"})
    assert response.status_code == 403 and "designer" in response.json()["message"]


def test_unknown_route_is_404(client, designer_token):
    assert client.api("GET", "/nothing-here", designer_token).status_code == 404


@pytest.mark.parametrize(
    "change",
    [
        {"Content-Type": "text/html"},
        {"key": "uploads/someone-else/x.jpg"},
        {"x-amz-meta-uploader": '{"username": "mallory"}'},
    ],
)
def test_s3_refuses_uploads_that_break_the_signed_policy(client, designer_token, change):
    grant = client.api("POST", "/uploads", designer_token, {"contentType": "image/jpeg"}).json()
    response = requests.post(
        grant["url"], data={**grant["fields"], **change}, files={"file": ("a.jpg", b"x" * 10)}, timeout=10
    )
    assert response.status_code == 403 and "Policy" in response.text


def test_s3_refuses_an_upload_over_the_size_range(client, designer_token):
    grant = client.api("POST", "/uploads", designer_token, {"contentType": "image/jpeg"}).json()
    response = requests.post(
        grant["url"], data=grant["fields"], files={"file": ("a.jpg", b"x" * (grant["maxBytes"] + 1))}, timeout=30
    )
    assert response.status_code == 403 and "bytes" in response.text
