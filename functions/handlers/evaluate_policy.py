"""EvaluatePolicy: applies the configured moderation policy to Rekognition's labels."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions import config
from functions.config import EvaluatePolicySettings, moderation_policy
from functions.domain.policy import evaluate
from functions.errors import retryable
from functions.schemas import validate

logger = Logger()


@logger.inject_lambda_context
@retryable
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    event = validate(event, "evaluate_policy_input")
    policy = moderation_policy(config.settings(EvaluatePolicySettings).moderation_policy)
    decision = evaluate(policy, event["moderation"], event["labels"])
    logger.info("policy decision", extra={"verdict": decision.verdict, "reasons": decision.reasons})
    return decision.to_dict()
