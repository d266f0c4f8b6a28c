"""Cognito PostConfirmation trigger: a confirmed self sign-up joins the customer group.

Thin: the domain picks the group, the handler adds the user and returns the event (Cognito requires it).
On the embedded stack, salon/local/cognito_mail.py calls this same handler after ConfirmSignUp (moto runs no
Cognito triggers).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.adapters import client
from functions.domain.accounts import group_after_confirmation

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext, idp: Any = None) -> dict[str, Any]:
    """idp: a stand-in for the cognito-idp client (tests)."""
    group = group_after_confirmation(event)
    if group is not None:
        (idp or client("cognito-idp")).admin_add_user_to_group(
            UserPoolId=event["userPoolId"], Username=event["userName"], GroupName=group
        )
        logger.info("self sign-up joined a group", extra={"group": group})
    return event
