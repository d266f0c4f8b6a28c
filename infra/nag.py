"""cdk-nag (3.x) wiring and the one way this app acknowledges a finding: on a construct, with a reason."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Acknowledgment, App, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

MIN_REASON = 40  # a reason names the resource and why the rule does not fit it
METADATA_TYPE = "salon:acknowledged"  # every acknowledgement, by construct path, in the cloud assembly
AUDIT_CONTEXT = "salon:nagAudit"  # true: record acknowledgements without applying them (synth lists all)


def add_checks(app: App) -> None:
    """AwsSolutions on the whole app: synth fails on any unacknowledged finding.

    Acknowledgements are also written to each resource's Metadata (cdk_nag.rules_to_suppress) for audit.
    """
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=True))


def acknowledge(scope: IConstruct, rule: str, reason: str, findings: Sequence[str] = ()) -> None:
    """Acknowledges AwsSolutions-<rule> on scope and its children; findings narrow it ('Resource::*')."""
    if len(reason) < MIN_REASON:
        raise ValueError(f"the reason for AwsSolutions-{rule} is too short to be specific: {reason!r}")
    ids = [f"AwsSolutions-{rule}[{finding}]" for finding in findings] or [f"AwsSolutions-{rule}"]
    for rule_id in ids:
        scope.node.add_metadata(METADATA_TYPE, {"id": rule_id, "reason": reason})
    if str(scope.node.try_get_context(AUDIT_CONTEXT)).lower() != "true":
        Validations.of(scope).acknowledge(*(Acknowledgment(id=rule_id, reason=reason) for rule_id in ids))
