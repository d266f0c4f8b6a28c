"""Every way in that the local HTTP API must refuse, each through the real JWT authorizer and handler.

The tokens the stack issues are signed with a key made for this start, served in the pool's JWKS; a token
signed with the private key that ships inside the moto package (anyone can read it) is refused.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import time
from importlib import resources

import boto3
import jwt
import pytest
import requests
from moto.cognitoidp.models import cognitoidp_backends

from functions import names
from salon.local.config import ACCOUNT

UNAUTHORIZED = {"message": "Unauthorized"}


@pytest.fixture(scope="module")
def owner_token(client):
    return client.token("auth-owner", names.GROUP_OWNER)


@pytest.fixture(scope="module")
def designer_token(client):
    return client.token("auth-designer", names.GROUP_DESIGNER)


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def moto_shipped_key() -> dict:
    """The private key moto ships in its package: public knowledge, so nothing it signs may be trusted."""
    packed = (resources.files("moto") / "cognitoidp/resources/jwks-private.json.gz").read_bytes()
    key: dict = json.loads(gzip.decompress(packed))
    return key


def insights(client, token: str | None, raw_header: str | None = None) -> requests.Response:
    headers = {"Authorization": raw_header} if raw_header is not None else {}
    if token is not None:
        headers = {"Authorization": f"Bearer {token}"}
    return requests.get(client.endpoints.api + names.ROUTE_INSIGHTS, headers=headers, timeout=30)


def test_the_owner_token_itself_is_accepted(client, owner_token):
    """The control: what every case below changes one thing of."""
    assert insights(client, owner_token).status_code == 200


def forged(owner_token: str, case: str, client) -> str:
    header, payload, signature = owner_token.split(".")
    claims = claims_of(owner_token)
    if case == "garbage":
        return "not-a-token"
    if case == "three-garbage-parts":
        return "a.b.c"
    if case == "empty-signature":
        return f"{header}.{payload}."
    if case == "alg-none":
        return jwt.encode(
            claims, None, algorithm="none", headers={"kid": jwt.get_unverified_header(owner_token)["kid"]}
        )
    if case == "alg-hs256-with-the-public-key":
        jwks = requests.get(
            f"{client.endpoints.moto}/{client.endpoints.user_pool_id}/.well-known/jwks.json", timeout=10
        )
        secret = json.dumps(jwks.json()["keys"][0]).encode()
        head = {"alg": "HS256", "typ": "JWT", "kid": jwt.get_unverified_header(owner_token)["kid"]}
        signing_input = f"{b64(head)}.{payload}".encode()
        mac = base64.urlsafe_b64encode(hmac.new(secret, signing_input, hashlib.sha256).digest()).decode().rstrip("=")
        return f"{b64(head)}.{payload}.{mac}"
    if case == "edited-groups":
        return f"{header}.{b64({**claims, 'cognito:groups': ['owner', 'designer']})}.{signature}"
    if case == "edited-expiry":
        return f"{header}.{b64({**claims, 'exp': claims['exp'] + 86400})}.{signature}"
    if case == "moto-shipped-key":
        key = jwt.PyJWK(moto_shipped_key()).key
        return jwt.encode(
            claims, key, algorithm="RS256", headers={"kid": jwt.get_unverified_header(owner_token)["kid"]}
        )
    if case == "moto-shipped-key-fresh-claims":
        key = jwt.PyJWK(moto_shipped_key()).key
        now = int(time.time())
        fresh = {**claims, "iat": now, "auth_time": now, "exp": now + 3600, "cognito:username": "mallory"}
        return jwt.encode(fresh, key, algorithm="RS256", headers={"kid": "dummy"})
    if case == "own-rsa-key":
        from cryptography.hazmat.primitives.asymmetric import rsa

        mine = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return jwt.encode(
            claims, mine, algorithm="RS256", headers={"kid": jwt.get_unverified_header(owner_token)["kid"]}
        )
    raise AssertionError(case)


FORGERIES = [
    "garbage",
    "three-garbage-parts",
    "empty-signature",
    "alg-none",
    "alg-hs256-with-the-public-key",
    "edited-groups",
    "edited-expiry",
    "moto-shipped-key",
    "moto-shipped-key-fresh-claims",
    "own-rsa-key",
]


@pytest.mark.parametrize("case", FORGERIES)
def test_forged_tokens_are_refused(client, owner_token, case):
    response = insights(client, forged(owner_token, case, client))
    assert response.status_code == 401 and response.json() == UNAUTHORIZED, (case, response.text[:200])


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer ", "Basic b3duZXI6b3duZXI=", "Bearer a b"])
def test_no_token_or_a_header_without_one_is_refused(client, header):
    assert insights(client, None, raw_header=header).status_code == 401
    assert insights(client, None).status_code == 401


def test_an_expired_token_is_refused(client, stack):
    """Issued by the pool itself (so properly signed) but an hour past its expiry."""
    client.token("auth-expired", names.GROUP_OWNER)
    pool = cognitoidp_backends[ACCOUNT][stack.config.region].user_pools[client.endpoints.user_pool_id]
    token, _ = pool.create_jwt(
        client.endpoints.user_pool_client_id,
        "auth-expired",
        "id",
        expires_in=-3600,
        extra_data={"cognito:groups": [names.GROUP_OWNER]},
    )
    assert claims_of(token)["exp"] < time.time()
    assert insights(client, token).status_code == 401


def sign_in(idp, pool_id: str, client_id: str, username: str) -> str:
    """A real sign-in as an owner of `pool_id` through app client `client_id`."""
    password = "Other-Pool-Pass-1!"
    idp.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=password, Permanent=True)
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=names.GROUP_OWNER)
    result = idp.initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": username, "PASSWORD": password}
    )
    return str(result["AuthenticationResult"]["IdToken"])


def test_a_token_from_another_pool_is_refused(client):
    idp = boto3.client("cognito-idp")
    pool_id = idp.create_user_pool(PoolName="someone-elses-pool")["UserPool"]["Id"]
    idp.create_group(UserPoolId=pool_id, GroupName=names.GROUP_OWNER)
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="other", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    token = sign_in(idp, pool_id, client_id, "auth-owner")
    assert claims_of(token)["cognito:groups"] == [names.GROUP_OWNER] and pool_id in claims_of(token)["iss"]
    assert insights(client, token).status_code == 401


def test_a_token_for_another_app_client_of_the_pool_is_refused(client):
    idp = boto3.client("cognito-idp")
    other = idp.create_user_pool_client(
        UserPoolId=client.endpoints.user_pool_id,
        ClientName="another-app",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
    )["UserPoolClient"]["ClientId"]
    token = sign_in(idp, client.endpoints.user_pool_id, other, "auth-other-client")
    assert claims_of(token)["aud"] == other and claims_of(token)["cognito:groups"] == [names.GROUP_OWNER]
    assert insights(client, token).status_code == 401


@pytest.mark.parametrize(
    "group, method, path, body",
    [
        (names.GROUP_DESIGNER, "GET", names.ROUTE_INSIGHTS, None),
        (names.GROUP_CUSTOMER, "GET", names.ROUTE_INSIGHTS, None),
        (names.GROUP_CUSTOMER, "POST", "/uploads", {"contentType": "image/jpeg"}),
        (names.GROUP_OWNER, "POST", "/uploads", {"contentType": "image/jpeg"}),
        (names.GROUP_DESIGNER, "POST", "/designs/x/comments", {"text": "hi"}),
    ],
)
def test_the_wrong_group_is_forbidden(client, group, method, path, body):
    token = client.token(f"auth-{group}-only", group)
    response = client.api(method, path, token, body)
    assert response.status_code == 403 and group in response.json()["message"]


def test_the_pool_serves_this_starts_key_not_the_one_moto_ships(client):
    jwks = requests.get(f"{client.endpoints.moto}/{client.endpoints.user_pool_id}/.well-known/jwks.json", timeout=10)
    served = {k["n"] for k in jwks.json()["keys"]}
    assert served and moto_shipped_key()["n"] not in served
    assert all("d" not in k for k in jwks.json()["keys"])  # public parts only


def test_users_made_by_as_get_a_random_password_kept_for_the_owner_only(client, stack):
    """The password used to be derived from the username, so anyone could sign in as `owner`."""
    import hashlib
    import stat

    from botocore.exceptions import ClientError

    client.token("auth-pw-owner", names.GROUP_OWNER)
    derived = f"Local-{hashlib.sha256(b'auth-pw-owner').hexdigest()[:12]}-1!"
    idp = boto3.client("cognito-idp")
    with pytest.raises(ClientError, match="NotAuthorized"):
        idp.initiate_auth(
            ClientId=client.endpoints.user_pool_client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "auth-pw-owner", "PASSWORD": derived},
        )
    kept = stack.config.home / "users.json"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    password = json.loads(kept.read_text(encoding="utf-8"))["auth-pw-owner"]
    signed_in = idp.initiate_auth(
        ClientId=client.endpoints.user_pool_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "auth-pw-owner", "PASSWORD": password},
    )
    assert signed_in["AuthenticationResult"]["IdToken"]
