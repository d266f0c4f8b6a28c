"""AssessComment: applies the comment policy — escalate this one? is a burst of negatives under way?"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions import config
from functions.adapters import client
from functions.adapters.dynamodb_window import DynamoDbWindowStore
from functions.config import AssessCommentSettings, comment_policy
from functions.domain.bursts import WindowStore, assess
from functions.errors import retryable
from functions.schemas import validate

logger = Logger()


@logger.inject_lambda_context
@retryable
def handler(event: dict[str, Any], context: LambdaContext, window: WindowStore | None = None) -> dict[str, Any]:
    event = validate(event, "assess_comment_input")
    cfg = config.settings(AssessCommentSettings)
    store = window or DynamoDbWindowStore(client("dynamodb"), cfg.counters_table)
    result = assess(comment_policy(cfg.comment_policy), store, event)
    logger.info("assessed comment", extra=result)
    return result
