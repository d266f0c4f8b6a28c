"""RenderAlert: the owner's email for a quarantined upload (plain text; the subject is one safe line)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.config import settings
from functions.domain.messages import quarantine_alert
from functions.schemas import validate

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    event = validate(event, "render_alert_input")
    return quarantine_alert(event["photo"], event["decision"], settings().console_url + event["execution"])
