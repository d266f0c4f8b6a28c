"""Every cdk-nag finding is acknowledged on purpose: with a specific reason, on the construct it concerns, and
no acknowledgement is stale. The audit synth records acknowledgements without applying them, so its report
lists every finding; the normal synth (test_synth) proves each is then acknowledged."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from infra.nag import METADATA_TYPE, MIN_REASON
from tests.infra.conftest import Synth

pytestmark = pytest.mark.infra

# The AwsSolutions rules this app acknowledges; anything new needs a decision (and a line here).
EXPECTED_RULES = {
    "AwsSolutions-IAM5",
    "AwsSolutions-L1",
    "AwsSolutions-OS1",
    "AwsSolutions-OS3",
    "AwsSolutions-OS4",
    "AwsSolutions-OS7",
    "AwsSolutions-COG2",
    "AwsSolutions-COG8",
    "AwsSolutions-SQS3",
    "AwsSolutions-CFR1",  # the gallery's distribution (infra/site.py): no geo restriction
    "AwsSolutions-CFR2",  # no WAF web ACL
    "AwsSolutions-CFR3",  # no CloudFront standard logs (the access-log bucket has no ACLs)
    "AwsSolutions-CFR4",  # the default certificate until a custom domain is configured
    "AwsSolutions-CFR7",  # the images origin's OAC is a property override nag does not see
    "AwsSolutions-APIG4",  # the public routes of functions/wiring.py (GET /health, the gallery's reads)
}


@pytest.fixture(scope="module")
def audit(synths: dict[str, Synth]) -> Synth:
    synth = synths["audit"]
    assert synth.returncode != 0, "the audit synth applies no acknowledgement, so it must report findings"
    return synth


@pytest.fixture(scope="module")
def findings(audit: Synth) -> list[tuple[str, str]]:
    """(rule id with finding, construct path) for every AwsSolutions finding."""
    result = []
    for plugin in audit.validation_report()["pluginReports"]:
        if plugin["pluginName"] != "AwsSolutions":
            continue
        for violation in plugin["violations"]:
            for construct in violation["violatingConstructs"]:
                result.append((violation["ruleName"], construct["constructPath"]))
    assert result, "no findings in the audit report"
    return result


@pytest.fixture(scope="module")
def acknowledgements(audit: Synth) -> list[tuple[str, str, str]]:
    """(rule id, construct path, reason) for every infra.nag.acknowledge call."""
    acks = []
    for path, entries in audit.metadata().items():
        for entry in entries:
            if entry["type"] == METADATA_TYPE:
                acks.append((entry["data"]["id"], path.lstrip("/"), entry["data"]["reason"]))
    return acks


def _covers(ack_path: str, finding_path: str) -> bool:
    return finding_path == ack_path or finding_path.startswith(ack_path + "/")


def test_every_finding_has_an_acknowledgement(
    findings: list[tuple[str, str]], acknowledgements: list[tuple[str, str, str]]
) -> None:
    missing = [
        (rule, path)
        for rule, path in findings
        if not any(r == rule and _covers(p, path) for r, p, _ in acknowledgements)
    ]
    assert missing == []


def test_no_acknowledgement_is_stale(
    findings: list[tuple[str, str]], acknowledgements: list[tuple[str, str, str]]
) -> None:
    stale = [
        (rule, path)
        for rule, path, _ in acknowledgements
        if not any(r == rule and _covers(path, p) for r, p in findings)
    ]
    assert stale == []


def test_acknowledged_rules_are_the_recorded_ones(acknowledgements: list[tuple[str, str, str]]) -> None:
    assert {rule.split("[")[0] for rule, _, _ in acknowledgements} == EXPECTED_RULES


def test_every_reason_is_specific(acknowledgements: list[tuple[str, str, str]]) -> None:
    reasons_per_rule: dict[str, set[str]] = defaultdict(set)
    for rule, _, reason in acknowledgements:
        assert len(reason) >= MIN_REASON, (rule, reason)
        reasons_per_rule[rule.split("[")[0]].add(reason)
    # One blanket reason reused for different kinds of wildcard would not explain anything.
    assert len(reasons_per_rule["AwsSolutions-IAM5"]) >= 5


def test_wildcard_acknowledgements_name_their_finding(acknowledgements: list[tuple[str, str, str]]) -> None:
    for rule, _, _ in acknowledgements:
        if rule.startswith("AwsSolutions-IAM5"):
            # Never a blanket IAM5, never an Action:: wildcard.
            assert rule.startswith("AwsSolutions-IAM5[Resource::"), rule


def test_suppressions_are_recorded_in_the_template(template: dict[str, Any]) -> None:
    suppressed = {
        s["id"]
        for r in template["Resources"].values()
        for s in r.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    }
    assert {rule.split("[")[0] for rule in suppressed} == EXPECTED_RULES
