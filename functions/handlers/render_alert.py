"""RenderAlert: the owner's emails (quarantine, escalation, burst) as an SNS message structure."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions import config
from functions.config import RenderAlertSettings, comment_policy
from functions.domain import messages
from functions.domain.comments import excerpt
from functions.errors import retryable
from functions.schemas import validate

logger = Logger()


@logger.inject_lambda_context
@retryable
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    event = validate(event, "render_alert_input")
    cfg = config.settings(RenderAlertSettings)
    link = cfg.console_url + event["execution"]
    if event["kind"] == "quarantine":
        email = messages.quarantine_alert(event["photo"], event["decision"], link)
    elif event["kind"] == "escalation":
        comment = event["comment"]
        email = messages.escalation_alert(
            comment,
            event["analysis"],
            # the public text: personal data masked as on the page (the original stays in the workflow's input)
            excerpt(event.get("publicText", comment["text"]), comment_policy(cfg.comment_policy).excerpt_chars),
            cfg.gallery_url + comment["designId"],
            link,
        )
    else:
        email = messages.burst_alert(event["comment"], event["assessment"], link)
    return email.sns()
