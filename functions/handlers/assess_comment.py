"""AssessComment: applies the comment policy — escalate this one? is a burst of negatives under way?"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions import config, names
from functions.adapters import client
from functions.adapters.dynamodb_window import DynamoDbWindowStore
from functions.config import AssessCommentSettings, comment_policy
from functions.domain.bursts import WindowStore, epoch, record_negative
from functions.schemas import validate

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext, window: WindowStore | None = None) -> dict[str, Any]:
    event = validate(event, "assess_comment_input")
    cfg = config.settings(AssessCommentSettings)
    rules = comment_policy(cfg.comment_policy)
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
        store = window or DynamoDbWindowStore(client("dynamodb"), cfg.counters_table)
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
