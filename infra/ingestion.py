"""How events start the workflows: EventBridge rule (retry policy + SQS DLQ) -> SQS queue (own DLQ) ->
salon-start-workflow (ReportBatchItemFailures) -> StartExecution with a deterministic name.

EventBridge cannot name executions, hence the queue and the starter: a redelivered event maps to the same
execution name and a Standard state machine refuses to start it twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.lambdas import SalonFunction
from infra.nag import acknowledge

RETRY_ATTEMPTS = 8  # EventBridge -> SQS delivery retries (exponential backoff) before the rule's DLQ
MAX_EVENT_AGE = Duration.hours(24)
MAX_RECEIVE_COUNT = 5  # starter attempts per message before the queue's DLQ
STARTER_CONCURRENCY = 5  # caps concurrent starters per queue, well below StartExecution quotas


def dead_letter_queue(scope: Construct, construct_id: str) -> sqs.Queue:
    return sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=Duration.days(14),
    )


@dataclass(frozen=True)
class QueuedTarget:
    rule_dlq: sqs.Queue
    queue_dlq: sqs.Queue
    queue: sqs.Queue
    rule: events.Rule


def queued_target(
    scope: Construct,
    *,
    description: str,
    pattern: events.EventPattern,
    consumer: SalonFunction,
    retention: Duration,
    max_concurrency: int,
    rule_dlq_reason: str = "This queue is the EventBridge rule target's dead-letter queue (no RedrivePolicy "
    "names it, so nag cannot tell); alarmed on depth.",
) -> QueuedTarget:
    """In `scope`: an EventBridge rule (retry policy + DLQ) -> an SQS queue (own DLQ) -> `consumer`, reporting
    batch item failures. Every queued rule of the stack is built here."""
    rule_dlq = dead_letter_queue(scope, "RuleDeadLetters")
    acknowledge(rule_dlq, "SQS3", rule_dlq_reason)
    queue_dlq = dead_letter_queue(scope, "QueueDeadLetters")
    timeout = consumer.function.timeout
    assert timeout is not None
    queue = sqs.Queue(
        scope,
        "Queue",
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        visibility_timeout=Duration.seconds(6 * timeout.to_seconds()),  # AWS guidance: 6x the timeout
        retention_period=retention,
        dead_letter_queue=sqs.DeadLetterQueue(queue=queue_dlq, max_receive_count=MAX_RECEIVE_COUNT),
    )
    rule = events.Rule(
        scope,
        "Rule",
        description=description,
        event_pattern=pattern,
        targets=[
            targets.SqsQueue(
                queue, dead_letter_queue=rule_dlq, retry_attempts=RETRY_ATTEMPTS, max_event_age=MAX_EVENT_AGE
            )
        ],
    )
    consumer.function.add_event_source(
        event_sources.SqsEventSource(
            queue, batch_size=10, report_batch_item_failures=True, max_concurrency=max_concurrency
        )
    )
    return QueuedTarget(rule_dlq, queue_dlq, queue, rule)


class QueuedDelivery(Construct):
    """EventBridge rule (retry policy + DLQ) -> SQS queue (own DLQ) -> a function consuming it (no workflow)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        description: str,
        pattern: events.EventPattern,
        consumer: SalonFunction,
        retention: Duration,
    ) -> None:
        super().__init__(scope, construct_id)
        parts = queued_target(
            self, description=description, pattern=pattern, consumer=consumer, retention=retention, max_concurrency=2
        )
        self.rule_dlq, self.queue_dlq, self.queue, self.rule = parts.rule_dlq, parts.queue_dlq, parts.queue, parts.rule


class QueuedWorkflowStart(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        description: str,
        pattern: events.EventPattern,
        starter: SalonFunction,
        state_machine: sfn.IStateMachine,
    ) -> None:
        super().__init__(scope, construct_id)
        parts = queued_target(
            self,
            description=description,
            pattern=pattern,
            consumer=starter,
            retention=Duration.days(4),
            max_concurrency=STARTER_CONCURRENCY,
        )
        self.rule_dlq, self.queue_dlq, self.queue, self.rule = parts.rule_dlq, parts.queue_dlq, parts.queue, parts.rule
        state_machine.grant_start_execution(starter.role)  # its ARN: the starter's settings (functions/wiring.py)
