"""RequestReview: the AskOwner/RemindOwner task. Stores the pending review with its task token (server-side
only), emails the owner (and SMS subscribers) without the token, and returns: the workflow waits until the
owner's decision arrives through SendTaskSuccess, or the task times out."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.adapters import client
from functions.adapters.reviews import ReviewStore
from functions.config import settings
from functions.domain import messages
from functions.domain.reviews import pending_review
from functions.schemas import validate

logger = Logger()


@logger.inject_lambda_context  # never log_event: the event carries the task token
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    event = validate(event, "request_review_input")
    review = pending_review(event)
    ReviewStore(client("dynamodb"), settings().reviews_table).put_pending(review, event["taskToken"])
    email = messages.review_request(
        review,
        settings().review_url + review["photoId"],
        settings().console_url + event["execution"],
        event["stage"] == "remind",
    )
    email = messages.Email(
        email.subject, email.text, email.html, messages.sms_text(email.subject, settings().review_url)
    )
    sns = email.sns()
    client("sns").publish(
        TopicArn=settings().alerts_topic_arn,
        Subject=sns["subject"],
        Message=sns["message"],
        MessageStructure="json",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "review"}},
    )
    logger.info("review requested", extra={"photoId": review["photoId"], "stage": event["stage"]})
    return {"photoId": review["photoId"], "status": review["status"]}
