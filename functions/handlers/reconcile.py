"""Reconcile: checks the workflows' invariants and repairs what is stuck (scheduled on AWS, `salon reconcile`
locally). Emits the number of findings as a metric; an alarm fires on any."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions import config as function_config
from functions.adapters import client, search_index
from functions.adapters.reconcile_records import AwsRecords, StepFunctionsWorkflows
from functions.config import ReconcileSettings
from functions.domain.reconcile import Deadlines, Records, Workflows, reconcile
from functions.ports import SearchIndex
from functions.schemas import validate

logger = Logger()
metrics = Metrics()
FINDINGS_METRIC = "ReconcileFindings"
UNREPAIRED_METRIC = "ReconcileUnrepaired"


@metrics.log_metrics
@logger.inject_lambda_context
def handler(
    event: dict[str, Any],
    context: LambdaContext,
    records: Records | None = None,
    workflows: Workflows | None = None,
    index: SearchIndex | None = None,
) -> dict[str, Any]:
    event = validate(event or {}, "reconcile_input")
    config = function_config.settings(ReconcileSettings)
    defaults = Deadlines()
    deadline = timedelta(seconds=event["deadlineSeconds"]) if "deadlineSeconds" in event else None
    limits = Deadlines(
        upload=defaults.upload if deadline is None else deadline,
        comment=defaults.comment if deadline is None else deadline,
        grace=timedelta(seconds=event["graceSeconds"]) if "graceSeconds" in event else defaults.grace,
    )
    records = records or AwsRecords(
        client("s3"),
        client("dynamodb"),
        config.uploads_bucket,
        {
            "decisions": config.decisions_table,
            "photos": config.photos_table,
            "comments": config.comments_table,
            "meters": config.meters_table,
        },
    )
    workflows = workflows or StepFunctionsWorkflows(
        client("stepfunctions"), config.uploads_bucket, config.image_state_machine_arn, config.comment_state_machine_arn
    )
    report = reconcile(
        records,
        workflows,
        index or search_index(config.search_backend, config.search_endpoint, config.aws_region),
        repair=event["repair"],
        limits=limits,
    )
    metrics.add_metric(name=FINDINGS_METRIC, unit=MetricUnit.Count, value=len(report.findings))
    metrics.add_metric(name=UNREPAIRED_METRIC, unit=MetricUnit.Count, value=len(report.findings) - report.repaired)
    result = report.to_dict()
    logger.info("reconciled", extra={k: result[k] for k in ("clean", "checked", "pending", "repaired", "unrepaired")})
    return result
