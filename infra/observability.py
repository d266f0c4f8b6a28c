"""Observability: alarms (to the operations topic) and one CloudWatch dashboard."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

PERIOD = Duration.minutes(5)


class Observability(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        topic: sns.ITopic,
        state_machines: Mapping[str, sfn.StateMachine],
        functions: Mapping[str, lambda_.Function],
        dead_letter_queues: Mapping[str, sqs.IQueue],
        rules: Mapping[str, events.Rule],
        http_api: apigwv2.HttpApi,
    ) -> None:
        super().__init__(scope, construct_id)
        self._action = cw_actions.SnsAction(topic)
        self._prefix = Stack.of(self).stack_name
        self.alarms: list[cw.Alarm] = []

        for name, machine in state_machines.items():
            self._alarm(f"{name}-failed", machine.metric_failed(period=PERIOD), f"{name}: executions failed")
            self._alarm(f"{name}-timed-out", machine.metric_timed_out(period=PERIOD), f"{name}: executions timed out")
            self._alarm(
                f"{name}-throttled", machine.metric_throttled(period=PERIOD), f"{name}: execution starts throttled"
            )
        for name, function in functions.items():
            self._alarm(
                f"{name}-throttles",
                function.metric_throttles(period=PERIOD, statistic="Sum"),
                f"{name}: invocations throttled",
            )
            self._alarm(
                f"{name}-errors", function.metric_errors(period=PERIOD, statistic="Sum"), f"{name}: invocations failed"
            )
        for name, queue in dead_letter_queues.items():
            self._alarm(
                f"{name}-depth",
                queue.metric_approximate_number_of_messages_visible(period=Duration.minutes(1), statistic="Maximum"),
                f"{name}: messages waiting in a DLQ",
            )
        for name, rule in rules.items():
            self._alarm(
                f"{name}-failed-invocations",
                _rule_metric(rule, "FailedInvocations"),
                f"{name}: EventBridge could not deliver events to the target",
            )
        self._alarm(
            "api-5xx", http_api.metric_server_error(period=PERIOD, statistic="Sum"), "API: server errors", threshold=5
        )

        self.dashboard = cw.Dashboard(
            self, "Dashboard", dashboard_name=f"{self._prefix}-overview", default_interval=Duration.hours(24)
        )
        self.dashboard.add_widgets(cw.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=24))
        self.dashboard.add_widgets(
            *[
                cw.GraphWidget(
                    title=f"{name} executions",
                    width=8,
                    left=[
                        machine.metric_started(period=PERIOD),
                        machine.metric_succeeded(period=PERIOD),
                        machine.metric_failed(period=PERIOD),
                        machine.metric_timed_out(period=PERIOD),
                    ],
                )
                for name, machine in state_machines.items()
            ]
        )
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="Lambda errors and throttles",
                width=12,
                left=[
                    m
                    for f in functions.values()
                    for m in (
                        f.metric_errors(period=PERIOD, statistic="Sum"),
                        f.metric_throttles(period=PERIOD, statistic="Sum"),
                    )
                ],
            ),
            cw.GraphWidget(
                title="Lambda duration p95",
                width=12,
                left=[f.metric_duration(period=PERIOD, statistic="p95") for f in functions.values()],
            ),
        )
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="Dead-letter queue depth",
                width=8,
                left=[
                    q.metric_approximate_number_of_messages_visible(period=Duration.minutes(1), statistic="Maximum")
                    for q in dead_letter_queues.values()
                ],
            ),
            cw.GraphWidget(
                title="EventBridge rule deliveries",
                width=8,
                left=[
                    m
                    for r in rules.values()
                    for m in (_rule_metric(r, "Invocations"), _rule_metric(r, "FailedInvocations"))
                ],
            ),
            cw.GraphWidget(
                title="API requests and errors",
                width=8,
                left=[
                    http_api.metric_count(period=PERIOD),
                    http_api.metric_client_error(period=PERIOD),
                    http_api.metric_server_error(period=PERIOD),
                ],
                right=[http_api.metric_latency(period=PERIOD, statistic="p95")],
            ),
        )

    def _alarm(self, name: str, metric: cw.IMetric, description: str, threshold: float = 1) -> None:
        alarm = cw.Alarm(
            self,
            name,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            alarm_name=f"{self._prefix}-{name}",
            alarm_description=description,
        )
        alarm.add_alarm_action(self._action)
        self.alarms.append(alarm)


def _rule_metric(rule: events.Rule, metric_name: str) -> cw.Metric:
    return cw.Metric(
        namespace="AWS/Events",
        metric_name=metric_name,
        statistic="Sum",
        period=PERIOD,
        dimensions_map={"RuleName": rule.rule_name},
    )
