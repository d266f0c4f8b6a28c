"""ScreenComment: the comment's Comprehend requests (`prepare`), then its outcome from the answers (`decide`)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions import config
from functions.config import ScreenCommentSettings, comment_policy
from functions.domain import screening
from functions.errors import retryable
from functions.schemas import validate

logger = Logger()


@logger.inject_lambda_context
@retryable
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    event = validate(event, "screen_comment_input")
    if event["step"] == "prepare":
        result = screening.prepare(event["text"], event["language"])
        logger.info("screening prepared", extra={"segments": len(result["segments"]), "toxicity": result["toxicity"]})
        return result
    policy = comment_policy(config.settings(ScreenCommentSettings).comment_policy).screening
    toxicity, pii = event["toxicity"], event["pii"]
    result = screening.decide(
        policy,
        event["text"],
        event["language"],
        toxicity["results"] if toxicity["screened"] else None,
        pii["entities"] if pii["screened"] else None,
    )
    # The outcome and the types found, never the text or the data itself (logs are not a private place).
    logger.info(
        "comment screened",
        extra={"outcome": result["visibility"], "flagged": result["flagged"], "masked": result["masked"]},
    )
    return result
