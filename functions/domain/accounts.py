"""Accounts: which group a user confirmed by Cognito joins. Pure logic.

Customers sign up themselves; designers and the owner are created by the owner (AdminCreateUser) and put in
their group then. So a confirmed self sign-up (and only that) joins the customer group; a confirmed
password reset changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from functions import names

SELF_SIGN_UP = "PostConfirmation_ConfirmSignUp"


def group_after_confirmation(event: Mapping[str, Any]) -> str | None:
    """The group a PostConfirmation event's user joins, or None (a password reset, or a malformed event)."""
    if event.get("triggerSource") != SELF_SIGN_UP:
        return None
    if not isinstance(event.get("userPoolId"), str) or not isinstance(event.get("userName"), str):
        return None
    return names.GROUP_CUSTOMER
