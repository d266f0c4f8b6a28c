"""ReportStrayObject: S3 Object Created outside the stack's prefixes (EventBridge -> SQS) -> owner alert + the
object moved under quarantine/stray/ (functions/domain/stray_objects.py). One log line per object records it.
A failure is reported per message so SQS retries it, then dead-letters it (alarmed with the other DLQs)."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions import config
from functions.adapters import client
from functions.adapters.s3_stray import S3StrayStore, SnsOwnerAlerts
from functions.config import ReportStrayObjectSettings
from functions.domain.stray_objects import report_stray_object
from functions.schemas import validate

logger = Logger()
processor = BatchProcessor(event_type=EventType.SQS)


def report(record: SQSRecord, s3: Any = None, sns: Any = None) -> dict[str, Any]:
    event = validate(json.loads(record.body), "s3_object_created_event")
    cfg = config.settings(ReportStrayObjectSettings)
    if event["detail"]["bucket"]["name"] != cfg.uploads_bucket:
        logger.warning("an object created in another bucket; ignored", extra={"bucket": event["detail"]["bucket"]})
        return {"action": "ignored"}
    result = report_stray_object(
        event,
        S3StrayStore(s3 or client("s3"), cfg.uploads_bucket),
        SnsOwnerAlerts(sns or client("sns"), cfg.alerts_topic_arn),
    )
    logger.warning("object written outside the stack's prefixes", extra={"stray": result})
    return result


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext, s3: Any = None, sns: Any = None) -> dict[str, Any]:
    """s3, sns: stand-ins for the AWS clients (tests); the process's clients otherwise."""
    return dict(
        process_partial_response(
            event=event, record_handler=partial(report, s3=s3, sns=sns), processor=processor, context=context
        )
    )
