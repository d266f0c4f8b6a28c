"""StartWorkflow: SQS (fed by the EventBridge rule) -> StartExecution with a deterministic name.

EventBridge cannot name executions, so events go through a queue; a redelivered event maps to the same
name and StartExecution refuses it (ExecutionAlreadyExists), which is success here: nothing new starts.
Failures are reported per message so SQS retries them and, after maxReceiveCount, dead-letters them.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions import config, wiring
from functions.adapters import client
from functions.config import StartWorkflowSettings
from functions.domain.executions import execution_name
from functions.errors import InvalidEventError
from functions.schemas import validate

logger = Logger()
processor = BatchProcessor(event_type=EventType.SQS)


def route(event: dict[str, Any]) -> tuple[wiring.Trigger, str]:
    """The trigger that delivered the event (functions/wiring.py TRIGGERS) and its state machine's ARN."""
    trigger = wiring.trigger_for(event)
    if trigger is None:
        kind = (event.get("source"), event.get("detail-type")) if isinstance(event, dict) else type(event).__name__
        raise InvalidEventError(f"no workflow for events of type {kind!r}")
    arn = config.value_of(config.settings(StartWorkflowSettings), wiring.workflow(trigger.workflow).arn)
    return trigger, arn


def start(record: SQSRecord, sfn: Any = None) -> str:
    event = json.loads(record.body)
    trigger, machine = route(event)
    event = validate(event, trigger.schema)
    name = execution_name(event, trigger.naming)
    sfn = sfn or client("stepfunctions")
    try:
        sfn.start_execution(stateMachineArn=machine, name=name, input=json.dumps(event))
        logger.info("started execution", extra={"execution": name})
    except sfn.exceptions.ExecutionAlreadyExists:
        logger.info("duplicate event: execution already exists", extra={"execution": name})
    return name


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext, sfn: Any = None) -> dict[str, Any]:
    """sfn: a stand-in for the Step Functions client (tests)."""
    record_handler = partial(start, sfn=sfn)
    return dict(
        process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
    )
