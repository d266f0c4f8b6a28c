"""State machines loaded from workflows/*.asl.json, with substitutions and a role derived from the ASL."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import Aws, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra import permissions
from infra.config import DeployConfig
from infra.lambdas import log_retention, removal_policy
from infra.nag import acknowledge
from infra.permissions import DEFAULT_EVENT_BUS, DYNAMIC, WILDCARD, Need
from salon import asl


@dataclass(frozen=True)
class Ref:
    """What one ASL placeholder stands for: the substituted value, and the ARN IAM statements name."""

    value: str
    arn: str | None = None  # None: not a resource (e.g. a key prefix)
    kms_key_arn: str | None = None  # publishing to it also needs this key


def event_bus_arn(stack: Stack, bus_name: str) -> str:
    return stack.format_arn(service="events", resource="event-bus", resource_name=bus_name)


def statements(
    needs: Sequence[Need], refs: Mapping[str, Ref], dynamic: Mapping[str, Sequence[str]], stack: Stack
) -> list[iam.PolicyStatement]:
    """Least-privilege statements: the ASL's actions only, on the resources its Tasks name."""
    unused = set(dynamic) - {n.action for n in needs if n.resource == DYNAMIC}
    if unused:
        raise ValueError(f"dynamic resources given for actions the workflow does not use: {sorted(unused)}")
    by_action: dict[str, set[str]] = defaultdict(set)
    put_events: dict[str, list[Need]] = defaultdict(list)
    for need in needs:
        if need.action == "events:PutEvents" and need.resource != DYNAMIC:
            put_events[need.resource].append(need)
            continue
        for resource in _resources(need, refs, dynamic, stack):
            by_action[need.action].add(resource)
        ref = refs.get(need.resource)
        if ref is not None and ref.kms_key_arn is not None:
            by_action["kms:GenerateDataKey"].add(ref.kms_key_arn)
            by_action["kms:Decrypt"].add(ref.kms_key_arn)
    # Actions sharing exactly the same resources share a statement.
    grouped: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for action, resources in by_action.items():
        grouped[tuple(sorted(resources))].append(action)
    result = [
        iam.PolicyStatement(actions=sorted(acts), resources=list(res))
        for res, acts in sorted(grouped.items(), key=lambda item: sorted(item[1]))
    ]
    for bus, bus_needs in sorted(put_events.items()):
        result.append(_put_events_statement(bus, bus_needs, refs, stack))
    return result


def _resources(need: Need, refs: Mapping[str, Ref], dynamic: Mapping[str, Sequence[str]], stack: Stack) -> list[str]:
    if need.resource == WILDCARD:
        return ["*"]
    if need.resource == DYNAMIC:
        if need.action not in dynamic:
            raise ValueError(
                f"{need.state}: {need.action} acts on a resource from the execution input; "
                "say which ARNs it may touch (dynamic_resources)"
            )
        return list(dynamic[need.action])
    if need.resource == DEFAULT_EVENT_BUS:
        return [event_bus_arn(stack, "default")]
    ref = refs.get(need.resource)
    if ref is None or ref.arn is None:
        raise ValueError(f"{need.state}: ${{{need.resource}}} is not a resource this app knows")
    return [ref.arn + need.suffix]


def _put_events_statement(
    bus: str, needs: Sequence[Need], refs: Mapping[str, Ref], stack: Stack
) -> iam.PolicyStatement:
    """PutEvents on one bus, limited to the sources and detail types the ASL writes when all are literal."""
    resources = _resources(needs[0], refs, {}, stack)
    conditions: dict[str, set[str]] = defaultdict(set)
    if all(len(n.conditions) == 2 for n in needs):
        for need in needs:
            for key, value in need.conditions:
                conditions[key].add(value)
    equals = {key: sorted(values) for key, values in conditions.items()}
    return iam.PolicyStatement(
        actions=["events:PutEvents"], resources=resources, conditions={"StringEquals": equals} if equals else None
    )


class AslStateMachine(Construct):
    """One workflow file -> a state machine with logging (ALL; with data unless told not to), X-Ray and a role.

    Every ${Placeholder} in the file must have a Ref. The file itself is the deployed definition: an S3
    asset (byte for byte) that CloudFormation reads and substitutes (DefinitionS3Location +
    DefinitionSubstitutions).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        workflow: str,
        refs: Mapping[str, Ref],
        state_machine_type: sfn.StateMachineType,
        config: DeployConfig,
        dynamic_resources: Mapping[str, Sequence[str]] | None = None,
        log_execution_data: bool = True,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.workflow = workflow
        self.text = asl.definition_path(workflow).read_text(encoding="utf-8")
        used = asl.placeholders(self.text)
        unknown = used - refs.keys()
        if unknown:
            raise ValueError(
                f"workflows/{workflow}.asl.json uses placeholders infra does not define: {sorted(unknown)}"
            )
        self.substitutions = {name: refs[name].value for name in sorted(used)}
        self.needs = permissions.needs(json.loads(self.text))
        if permissions.callback_states(json.loads(self.text)) and log_execution_data:
            raise ValueError(f"workflows/{workflow}.asl.json waits for task tokens: log it without execution data")

        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(
                "states.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}
            ),
            description=f"Step Functions role of {workflow}: the actions its tasks need",
        )
        for statement in statements(self.needs, refs, dynamic_resources or {}, stack):
            self.role.add_to_policy(statement)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/vendedlogs/states/{stack.stack_name}-{workflow}",
            retention=log_retention(config),
            removal_policy=removal_policy(config),
        )
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            definition_body=sfn.DefinitionBody.from_file(str(asl.definition_path(workflow))),
            definition_substitutions=self.substitutions,
            state_machine_type=state_machine_type,
            role=self.role,
            # A workflow with callback tasks logs without execution data: a task's input carries its token.
            logs=sfn.LogOptions(
                destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=log_execution_data
            ),
            tracing_enabled=True,
        )
        wildcard_apis = sorted(n.action for n in self.needs if n.resource == WILDCARD)
        acknowledge(
            self.role,
            "IAM5",
            "Resource '*' only where IAM has no resource-level permissions: CloudWatch Logs "
            "vended-log delivery (Logs*Delivery, *ResourcePolicy, DescribeLogGroups), X-Ray tracing"
            + (f" and {', '.join(sorted(set(wildcard_apis)))}" if wildcard_apis else "")
            + ".",
            ["Resource::*"],
        )

    def grant_task_response(self, grantee: iam.IGrantable) -> None:
        """SendTaskSuccess/Failure/Heartbeat for this machine's callback tasks (actions from infra/permissions.py)."""
        if not permissions.callback_states(json.loads(self.text)):
            raise ValueError(f"workflows/{self.workflow}.asl.json has no callback task to answer")
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                actions=list(permissions.TASK_RESPONSE_ACTIONS), resources=[self.state_machine.state_machine_arn]
            )
        )
