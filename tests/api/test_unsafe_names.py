"""Names from outside never become paths: unsafe usernames get no upload key; the console 404s what is not there."""

from __future__ import annotations

from urllib.parse import quote

import boto3
import pytest
import requests

from functions import names
from functions.domain.inspection import parse_key
from salon.client import ClientError

PHOTO = "0f8fad5b-d9cb-469f-a165-70867728950e"


def sign_in(client, username: str, group: str) -> str:
    idp, pool, password = boto3.client("cognito-idp"), client.endpoints.user_pool_id, "Unsafe-Name-Pass-1!"
    idp.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool, Username=username, Password=password, Permanent=True)
    idp.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName=group)
    result = idp.initiate_auth(
        ClientId=client.endpoints.user_pool_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return str(result["AuthenticationResult"]["IdToken"])


@pytest.mark.parametrize("username", ["..", ".", ".hidden", "..."])
def test_a_username_that_is_not_a_safe_key_segment_gets_no_upload_key(client, username):
    """Made straight in the pool (as any Cognito admin could; the CLI itself refuses such names)."""
    token = sign_in(client, username, names.GROUP_DESIGNER)
    response = client.api("POST", "/uploads", token, {"contentType": "image/jpeg"})
    assert response.status_code == 400, response.text
    assert "username cannot be used" in response.json()["message"]


@pytest.mark.parametrize("designer", ["..", ".", ".hidden"])
def test_keys_with_unsafe_segments_are_not_upload_keys(designer):
    assert parse_key(f"uploads/{designer}/{PHOTO}.jpg") is None
    assert parse_key(f"uploads/dana.x/{PHOTO}.jpg") == ("dana.x", PHOTO)


def test_the_cli_refuses_an_unsafe_username_before_signing_up(client):
    with pytest.raises(ClientError, match="cannot be used"):
        client.token("../owner", names.GROUP_OWNER)


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:states:us-east-1:123456789012:execution:salon-image-moderation:no-such-execution",
        "not-an-arn",
        "arn:aws:states:us-east-1:123456789012:execution:no-such-machine:x",
    ],
)
def test_the_console_answers_404_for_a_missing_execution(client, arn):
    response = requests.get(f"{client.endpoints.api}/console/executions/{quote(arn, safe='')}", timeout=10)
    assert response.status_code == 404, (response.status_code, response.text[:200])
    assert "No execution" in response.text
