"""The comment moderation routes: who may call them, and what a bad request gets."""

from __future__ import annotations

import pytest

from functions import names

pytestmark = pytest.mark.api


def test_my_comments_needs_sign_in_and_lists_only_my_own(client):
    assert client.api("GET", "/me/comments", None).status_code == 401
    assert client.my_comments("nobody-yet") == []
    assert client.my_comments("a-designer", names.GROUP_DESIGNER) == []  # any signed-in user may ask


def test_the_queue_is_the_owners_only(client):
    customer = client.token("queue-peeker", names.GROUP_CUSTOMER)
    assert client.api("GET", "/held-comments", customer).status_code == 403
    assert client.api("POST", "/held-comments/x", customer, {"decision": "approve"}).status_code == 403
    assert client.api("GET", "/held-comments", None).status_code == 401


def test_bad_decisions_are_refused_clearly(client):
    owner = client.token("owner", names.GROUP_OWNER)
    response = client.api("POST", "/held-comments/no-such-comment", owner, {"decision": "approve"})
    assert response.status_code == 404 and "no-such-comment" in response.json()["message"]
    response = client.api("POST", "/held-comments/no-such-comment", owner, {"decision": "maybe"})
    assert response.status_code == 400
    response = client.api("POST", "/held-comments/no-such-comment", owner, {"decision": "reject"})
    assert response.status_code == 400 and "reason" in response.json()["message"]
