"""The app synthesizes with the standard toolchain, and cdk-nag 3.x really guards it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from cdk_nag import AwsSolutionsChecks

from infra.nag import add_checks
from tests.infra.conftest import Synth

pytestmark = pytest.mark.infra


def _strip_cli_metadata(template: dict[str, Any]) -> dict[str, Any]:
    """The CLI adds aws:cdk:path / aws:asset:* resource metadata (pathMetadata, assetMetadata)."""
    for resource in template["Resources"].values():
        metadata = {k: v for k, v in resource.get("Metadata", {}).items() if not k.startswith("aws:")}
        resource.pop("Metadata", None)
        if metadata:
            resource["Metadata"] = metadata
    return template


def test_npx_aws_cdk_synth_succeeds(cli: Synth) -> None:
    assert cli.returncode == 0
    assert (cli.outdir / "SalonInsights.template.json").is_file()
    print(f"npx aws-cdk synth: {cli.seconds:.1f}s")


def test_python_entry_point_synthesizes_the_same_template(cli: Synth, synths: dict[str, Synth]) -> None:
    python = synths["python"]
    assert python.returncode == 0, python.output[-6000:]
    assert _strip_cli_metadata(python.template) == _strip_cli_metadata(cli.template)


def test_nag_reports_nothing_unacknowledged(cli: Synth) -> None:
    report = cli.validation_report()
    for plugin in report["pluginReports"]:
        assert plugin["conclusion"] == "success", plugin
        assert plugin["violations"] == [], [v["ruleName"] for v in plugin["violations"]]


def test_teardown_variant_synthesizes_nag_clean(synths: dict[str, Synth]) -> None:
    teardown = synths["teardown"]
    assert teardown.returncode == 0, teardown.output[-6000:]
    retained = {
        lid: r["Type"] for lid, r in teardown.template["Resources"].items() if r.get("DeletionPolicy") == "Retain"
    }
    assert retained == {}
    auto_delete = teardown.resources("Custom::S3AutoDeleteObjects")
    assert len(auto_delete) == 3  # every bucket (uploads, access logs, site) is emptied before deletion


def _bad_app(outdir: Path) -> cdk.App:
    app = cdk.App(outdir=str(outdir))
    s3.Bucket(cdk.Stack(app, "Bad"), "Open")  # no TLS-only policy, no access logs
    return app


def test_nag_3_validations_plugin_fails_synth_on_a_finding(tmp_path: Path) -> None:
    app = _bad_app(tmp_path)
    add_checks(app)  # the same wiring as infra/app.py
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    assert "AwsSolutions-S10" in (tmp_path / "validation-report.json").read_text()


def test_nag_2_aspects_form_errors_under_nag_3(tmp_path: Path) -> None:
    app = _bad_app(tmp_path)
    cdk.Aspects.of(app).add(AwsSolutionsChecks())  # type: ignore[arg-type]  # the cdk-nag 2.x way
    with pytest.raises(RuntimeError, match="visit is not a function"):
        app.synth()
