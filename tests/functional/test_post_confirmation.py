"""The Cognito PostConfirmation trigger: a confirmed self sign-up joins the customers; a reset changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from functions import names
from functions.handlers import post_confirmation


class FakeIdp:
    def __init__(self) -> None:
        self.added: list[dict[str, str]] = []

    def admin_add_user_to_group(self, **kw: str) -> None:
        self.added.append(kw)


def cognito_event(source: str, **extra: Any) -> dict[str, Any]:
    return {
        "version": "1",
        "triggerSource": source,
        "region": "us-east-1",
        "userPoolId": "us-east-1_pool",
        "userName": "newbie",
        "callerContext": {"clientId": "client"},
        "request": {"userAttributes": {"email": "newbie@example.com"}},
        "response": {},
        **extra,
    }


def test_a_confirmed_sign_up_joins_the_customers_and_the_event_is_returned(context: Callable[[str], Any]) -> None:
    idp, event = FakeIdp(), cognito_event("PostConfirmation_ConfirmSignUp")
    answer = post_confirmation.handler(event, context(names.FN_POST_CONFIRMATION), idp)
    assert answer == event
    assert idp.added == [{"UserPoolId": "us-east-1_pool", "Username": "newbie", "GroupName": names.GROUP_CUSTOMER}]


@pytest.mark.parametrize(
    "event",
    [
        cognito_event("PostConfirmation_ConfirmForgotPassword"),
        cognito_event("PostConfirmation_ConfirmSignUp", userName=None),
        cognito_event("PreSignUp_SignUp"),
    ],
)
def test_other_confirmations_change_no_group(event: dict[str, Any], context: Callable[[str], Any]) -> None:
    idp = FakeIdp()
    assert post_confirmation.handler(event, context(names.FN_POST_CONFIRMATION), idp) == event
    assert idp.added == []
