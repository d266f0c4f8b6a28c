"""Reconciliation on AWS: an EventBridge Scheduler schedule invokes the reconcile function, whose explicit
grants are exactly what functions/adapters/reconcile_records.py and the index adapter call; an alarm fires
on any finding (the function's ReconcileFindings metric)."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import ArnFormat, CfnElement, Duration, Stack
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from functions import names
from functions.handlers.reconcile import FINDINGS_METRIC
from infra.ingestion import dead_letter_queue
from infra.lambdas import POWERTOOLS_NAMESPACE, SalonFunction
from infra.nag import acknowledge
from infra.search import Search
from infra.storage import Storage

SCHEDULE = scheduler.ScheduleExpression.rate(Duration.hours(1))
RECONCILED_TABLES = (names.DECISIONS_TABLE, names.PHOTOS_TABLE, names.COMMENTS_TABLE, names.METERS_TABLE)
REPAIRED_TABLES = (names.COMMENTS_TABLE, names.METERS_TABLE)  # stuck comments marked failed, meters rewritten


class Reconciliation(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function: SalonFunction,
        storage: Storage,
        search: Search,
        search_paths: Sequence[str],
        image: sfn.StateMachine,
        comment: sfn.StateMachine,
        topic: sns.ITopic,
        execution_findings: Sequence[str],
    ) -> None:
        super().__init__(scope, construct_id)
        bucket, tables = storage.uploads, storage.tables
        for key, value in {
            names.ENV_UPLOADS_BUCKET: bucket.bucket_name,
            names.ENV_DECISIONS_TABLE: tables[names.DECISIONS_TABLE].table_name,
            names.ENV_PHOTOS_TABLE: tables[names.PHOTOS_TABLE].table_name,
            names.ENV_COMMENTS_TABLE: tables[names.COMMENTS_TABLE].table_name,
            names.ENV_METERS_TABLE: tables[names.METERS_TABLE].table_name,
            names.ENV_IMAGE_STATE_MACHINE_ARN: image.state_machine_arn,
            names.ENV_COMMENT_STATE_MACHINE_ARN: comment.state_machine_arn,
            names.ENV_SEARCH_BACKEND: "opensearch",
            names.ENV_OPENSEARCH_ENDPOINT: search.endpoint,
        }.items():
            function.add_environment(key, value)

        role = function.role
        role.add_to_policy(  # lists the uploads and their quarantined copies (current versions), nothing else
            iam.PolicyStatement(
                actions=["s3:ListBucketVersions"],
                resources=[bucket.bucket_arn],
                conditions={
                    "StringLike": {"s3:prefix": [names.UPLOAD_PREFIX, names.QUARANTINE_PREFIX + names.UPLOAD_PREFIX]}
                },
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(actions=["dynamodb:Scan"], resources=[tables[t].table_arn for t in RECONCILED_TABLES])
        )
        role.add_to_policy(  # conditional updates only (status still `received`; meter unchanged since read)
            iam.PolicyStatement(
                actions=["dynamodb:UpdateItem"], resources=[tables[t].table_arn for t in REPAIRED_TABLES]
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["states:StartExecution"], resources=[image.state_machine_arn, comment.state_machine_arn]
            )
        )
        stack = Stack.of(self)
        executions = [
            stack.format_arn(
                service="states",
                resource="execution",
                resource_name=f"{machine.state_machine_name}:*",
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )
            for machine in (image, comment)
        ]
        role.add_to_policy(iam.PolicyStatement(actions=["states:DescribeExecution"], resources=executions))
        search.grant(
            role,
            ["es:ESHttpGet", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpDelete"],
            [*search_paths, "_bulk"],
            reason="Reconcile lists the ids of both indexes and writes or deletes single documents, whose ids "
            "are per photo and comment, so the grant is the index path.",
        )
        acknowledge(
            role,
            "IAM5",
            "Reconcile reads the status of any execution of the two workflows (execution names are per "
            "event), so the grant is each state machine's execution ARN prefix.",
            [f"Resource::{finding}" for finding in execution_findings],
        )

        dead_letters = dead_letter_queue(self, "ScheduleDeadLetters")
        acknowledge(
            dead_letters,
            "SQS3",
            "This queue is the reconcile schedule target's dead-letter queue (no RedrivePolicy names "
            "it, so nag cannot tell); alarmed on depth.",
        )
        invoker = iam.Role(
            self,
            "SchedulerRole",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": stack.account}}
            ),
            description="EventBridge Scheduler: invokes the reconcile function, nothing else",
        )
        self.schedule = scheduler.Schedule(
            self,
            "Schedule",
            schedule=SCHEDULE,
            description="Hourly reconcile: every upload decided, every comment analysed, meters and index exact",
            target=targets.LambdaInvoke(
                function.function,
                input=scheduler.ScheduleTargetInput.from_object({"repair": True}),
                dead_letter_queue=dead_letters,
                max_event_age=Duration.hours(1),
                retry_attempts=2,
                role=invoker,
            ),
        )
        function_resource = function.function.node.default_child
        assert isinstance(function_resource, CfnElement)
        acknowledge(
            invoker,
            "IAM5",
            "CDK's grantInvoke names the reconcile function and its versions (ARN:*); the schedule "
            "invokes the unqualified function only.",
            [f"Resource::<{stack.get_logical_id(function_resource)}.Arn>:*"],
        )
        self.dead_letters = dead_letters
        metric = cw.Metric(
            namespace=POWERTOOLS_NAMESPACE,
            metric_name=FINDINGS_METRIC,
            dimensions_map={"service": names.FN_RECONCILE},
            statistic="Maximum",
            period=Duration.hours(1),
        )
        self.alarm = cw.Alarm(
            self,
            "FindingsAlarm",
            alarm_name=f"{stack.stack_name}-reconcile-findings",
            alarm_description="Reconcile found invariant violations (see the reconcile function's log)",
            metric=metric,
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        )
        self.alarm.add_alarm_action(cw_actions.SnsAction(topic))
