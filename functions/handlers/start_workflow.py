"""StartWorkflow: SQS (fed by the EventBridge rule) -> StartExecution with a deterministic name.

EventBridge cannot name executions, so events go through a queue; a redelivered event maps to the same
name and StartExecution refuses it (ExecutionAlreadyExists), which is success here: nothing new starts.
Failures are reported per message so SQS retries them and, after maxReceiveCount, dead-letters them.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.adapters import client
from functions.config import settings
from functions.domain.executions import execution_name
from functions.schemas import validate

logger = Logger()
processor = BatchProcessor(event_type=EventType.SQS)


def start(record: SQSRecord) -> str:
    event = validate(json.loads(record.body), "s3_object_created_event")
    name = execution_name(event)
    sfn = client("stepfunctions")
    try:
        sfn.start_execution(stateMachineArn=settings().image_state_machine_arn, name=name, input=json.dumps(event))
        logger.info("started execution", extra={"execution": name})
    except sfn.exceptions.ExecutionAlreadyExists:
        logger.info("duplicate event: execution already exists", extra={"execution": name})
    return name


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(process_partial_response(event=event, record_handler=start, processor=processor, context=context))
