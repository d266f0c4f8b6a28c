"""AssessComment: applies the comment policy — escalate this one? is a burst of negatives under way?"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions import names
from functions.adapters import client
from functions.adapters.dynamodb_window import DynamoDbWindowStore
from functions.config import comment_policy, settings
from functions.domain.bursts import epoch, record_negative
from functions.errors import retryable
from functions.schemas import validate

logger = Logger()


@logger.inject_lambda_context
@retryable
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    event = validate(event, "assess_comment_input")
    rules = comment_policy()
    negative = event["sentiment"] == "NEGATIVE"
    escalate = negative and float(event["scores"].get("Negative", 0)) >= rules.min_negative
    result = {
        "escalate": escalate,
        "negative": negative,
        "burstAlert": False,
        "negativesInWindow": None,
        "burstThreshold": rules.burst_threshold,
        "windowMinutes": rules.window_minutes,
    }
    if negative:
        store = DynamoDbWindowStore(client("dynamodb"), settings().counters_table)
        check = record_negative(
            store,
            names.BURST_COUNTER,
            event["commentId"],
            epoch(event["submittedAt"]),
            rules.window_minutes * 60,
            rules.burst_threshold,
        )
        result.update(burstAlert=check.alert, negativesInWindow=check.negatives_in_window)
    logger.info("assessed comment", extra=result)
    return result
