"""EvaluatePolicy: applies the configured moderation policy to Rekognition's labels."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.config import settings
from functions.domain.policy import Policy, evaluate
from functions.schemas import validate

logger = Logger()


@cache
def policy() -> Policy:
    return Policy.load(settings().policy_json)


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    event = validate(event, "evaluate_policy_input")
    decision = evaluate(policy(), event["moderation"], event["labels"])
    logger.info("policy decision", extra={"verdict": decision.verdict, "reasons": decision.reasons})
    return decision.to_dict()
